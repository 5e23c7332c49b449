"""kill -9 of a server under write load (issue 10, item 9).

Every write the server acknowledged is in the database after a restart, and replaying every
request by its clientMutationId, answered or not, returns the first result and writes nothing
twice: exactly one resident per key."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest

from core import models as m
from core.db import is_postgres
from core.testing import build_world, new_id_number
from tests.reliability.support import Server

pytestmark = pytest.mark.skipif(
    not is_postgres(os.environ.get("LASTMILE_TEST_DATABASE_URL", "")),
    reason="needs PostgreSQL (LASTMILE_TEST_DATABASE_URL)",
)

REGISTER = """mutation($i: RegisterResidentInput!) {
  registerResident(input: $i) { resident { id } userErrors { code message } }
}"""
WRITERS = 6
MAX_WRITES = 600  # bounded whatever happens
KILL_AFTER_ACKS = 40


def _input(unit_gid: str, key: str, n: int) -> dict:
    return {
        "name": f"压测{n}",
        "unitId": unit_gid,
        "idNumber": new_id_number(),
        "clientMutationId": key,
        "relationToHead": "OTHER",
    }


async def _register(http: httpx.AsyncClient, token: str, data: dict) -> str:
    resp = await http.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"i": data}},
        headers={"authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 200, resp.text
    payload = resp.json()["data"]["registerResident"]
    assert not payload["userErrors"], payload
    return payload["resident"]["id"]


async def test_kill9_under_write_load_loses_no_acknowledged_write_and_replays_idempotently(database_url):
    w = await build_world()
    token = w.tokens["c1_worker"]
    unit = w.gid(w.unit1)
    before = await m.Resident.all().count()
    env = {"DATABASE_URL": database_url, "LASTMILE_PLUGINS": "", "LASTMILE_REDIS_URL": ""}
    server = Server(env).start()
    sent: dict[str, dict] = {}  # key -> the input sent (acknowledged or not)
    acked: dict[str, str] = {}  # key -> resident gid the server answered
    counter = iter(range(MAX_WRITES))
    killed = asyncio.Event()
    try:

        async def writer():
            async with httpx.AsyncClient(base_url=server.base, timeout=10) as http:
                for n in counter:
                    if killed.is_set():
                        return
                    key = f"k9-{n}"
                    sent[key] = _input(unit, key, n)
                    try:
                        acked[key] = await _register(http, token, sent[key])
                    except httpx.HTTPError:
                        return  # the server is gone: this write is "in flight", not acknowledged

        async def killer():
            deadline = time.monotonic() + 60
            while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            server.kill9()  # mid-stream: other writers have requests in flight
            killed.set()

        await asyncio.wait_for(asyncio.gather(killer(), *(writer() for _ in range(WRITERS))), 90)
        assert len(acked) >= KILL_AFTER_ACKS, server.output()
        in_flight = set(sent) - set(acked)

        killed_server, server = server, Server(env, port=server.port)
        killed_server.close()  # its log file
        server.start()
        # 1. Every acknowledged write survived.
        from core.ids import decode_int_gid

        ids = {decode_int_gid(gid, "Resident") for gid in acked.values()}
        assert await m.Resident.filter(id__in=ids).count() == len(ids) == len(acked)
        # 2. Replaying everything (twice) returns the first result and writes nothing twice.
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            for _ in range(2):
                replayed = {key: await _register(http, token, data) for key, data in sent.items()}
                assert {k: replayed[k] for k in acked} == acked
        assert len(set(replayed.values())) == len(sent)
        assert await m.Resident.all().count() - before == len(sent)
        print(f"kill -9: {len(acked)} acknowledged, {len(in_flight)} in flight, {len(sent)} keys, 0 lost")
    finally:
        server.close()
