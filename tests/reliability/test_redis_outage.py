"""Redis frozen and stopped under a running server (a private redis-server).

Guarantees (issue 10, item 7): mutations are not slowed by a Redis that does not answer, and the
server's own subscribers keep receiving every event; once Redis is back, events from other
processes arrive again without a restart."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import httpx
import pytest

from core.api.mutation import in_mutation_transaction
from core.db import is_postgres
from core.redis_bus import RedisBus
from core.services.notifications import notify
from core.testing import build_world
from tests.reliability.support import PrivateRedis, Server
from tests.test_live_cluster import _next_title, _subscriber, _until_live
from tests.test_live_support import NOTIFY

pytestmark = pytest.mark.skipif(
    not is_postgres(os.environ.get("LASTMILE_TEST_DATABASE_URL", "")),
    reason="needs PostgreSQL (LASTMILE_TEST_DATABASE_URL): a server process shares it",
)

# Before issue 10 each publish waited for Redis's 2 s socket timeout, then dropped the event: a
# mutation during the outage may take at most this much longer than the slowest one before it.
SLOWER_BY_AT_MOST = 1.0


async def _notify(server, token, user_id, title) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        resp = await http.post(
            "/graphql",
            json={"query": NOTIFY, "variables": {"ids": [user_id], "title": title}},
            headers={"authorization": f"Bearer {token}"},
        )
    assert resp.status_code == 200 and resp.json()["data"]["liveTestNotify"]["count"] == 1, resp.text
    return time.monotonic() - started


async def test_frozen_then_stopped_redis_slows_no_mutation_and_silences_no_local_subscriber(database_url):
    w = await build_world()
    me, admin = w.users["c1_worker"], w.tokens["super"]
    redis = PrivateRedis().start()
    env = {
        "DATABASE_URL": database_url,
        "LASTMILE_PLUGINS": "",
        "LASTMILE_REDIS_URL": redis.url,
        "LASTMILE_REDIS_PUBLISH_TIMEOUT": "0.5",
    }
    server = Server(env, app="tests.test_live_support:server_app")
    try:
        server.start()
        # tests.test_live_cluster's websocket helpers take "host:port".
        async with _subscriber(SimpleNamespace(base=f"127.0.0.1:{server.port}"), w.tokens["c1_worker"]) as ws:
            await _until_live(ws, lambda t: _notify(server, admin, me.id, t))
            healthy = []
            for i in range(3):
                healthy.append(await _notify(server, admin, me.id, f"healthy {i}"))
                assert await _next_title(ws) == f"healthy {i}"
            bound = max(healthy) + SLOWER_BY_AT_MOST
            for outage, act in (("frozen", redis.freeze), ("stopped", redis.stop)):
                act()
                for i in range(5):
                    elapsed = await _notify(server, admin, me.id, f"{outage} {i}")
                    assert elapsed < bound, (
                        f"a mutation took {elapsed:.2f}s with Redis {outage} (healthy: {healthy})"
                    )
                    assert await _next_title(ws) == f"{outage} {i}"
            # Redis back (same port): events published by another process reach this server's subscriber again.
            redis.start()
            bus = RedisBus(redis.url)
            await bus.start()
            try:
                # Another process, as far as Redis can tell: notify() with its own bus, like a script.
                context = SimpleNamespace(runtime=SimpleNamespace(bus=bus), pending_events=[])
                deadline = time.monotonic() + 30
                while True:
                    assert time.monotonic() < deadline, "events from other processes never came back"
                    await in_mutation_transaction(
                        context, lambda: notify(context, [me.id], "script.ping", "remote")
                    )
                    try:
                        assert await _next_title(ws, 0.5) == "remote"
                        break
                    except TimeoutError:
                        continue
            finally:
                await bus.stop()
            assert await _notify(server, admin, me.id, "after") < bound
            title = await _next_title(ws)
            while title != "after":  # anything the recovery probes produced comes first
                title = await _next_title(ws)
    finally:
        server.close()
        redis.close()
