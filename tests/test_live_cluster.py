"""Two real server processes sharing one PostgreSQL database and one Redis.

A subscriber connected to process A receives the notification caused by a
mutation sent to process B. The servers run ``tests.test_live_support:server_app``
under uvicorn: core plus a test-only plugin whose mutation notifies users
through core.services.notifications.notify (core has no mutation that
notifies). Needs PostgreSQL (LASTMILE_TEST_DATABASE_URL) and
LASTMILE_TEST_REDIS_URL; skipped otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from core import models as m
from core.api.mutation import in_mutation_transaction
from core.db import is_postgres
from core.redis_bus import RedisBus
from core.services.notifications import notify
from core.testing import TEST_PLUGINS, build_world
from tests.test_live_bus import REDIS_URL, _redis_reachable
from tests.test_live_support import NOTIFICATION_ADDED, NOTIFY, bearer

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (is_postgres(os.environ.get("LASTMILE_TEST_DATABASE_URL", "")) and _redis_reachable()),
    reason="needs PostgreSQL (LASTMILE_TEST_DATABASE_URL) and Redis (LASTMILE_TEST_REDIS_URL)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_url(channel: str) -> str:
    sep = "&" if "?" in REDIS_URL else "?"
    return f"{REDIS_URL}{sep}channel={channel}"


@pytest.fixture(scope="module")
def cluster(database_url):
    yield from _cluster(database_url, "")


@pytest.fixture(scope="module")
def mediation_cluster(database_url):
    if importlib.util.find_spec("plugins.mediation.plugin") is None or (
        TEST_PLUGINS is not None and "mediation" not in TEST_PLUGINS
    ):
        pytest.skip("the mediation plugin is not part of this test session")
    yield from _cluster(database_url, "mediation")


def _cluster(database_url: str, plugins: str):
    """Start two servers; always stop them, even when startup fails half-way."""
    channel = f"lastmile-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LASTMILE_REDIS_URL": _redis_url(channel),
        "LASTMILE_PLUGINS": plugins,
    }
    env.pop("LASTMILE_PLUGINS_FILE", None)
    servers = []
    try:
        for _ in range(2):
            port = _free_port()
            log = tempfile.NamedTemporaryFile(prefix=f"lastmile-server-{port}-", suffix=".log", delete=False)
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "tests.test_live_support:server_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            servers.append(SimpleNamespace(proc=proc, port=port, log=log.name, base=f"127.0.0.1:{port}"))
        for server in servers:
            _wait_ready(server)
        yield SimpleNamespace(a=servers[0], b=servers[1], channel=channel)
    finally:
        for server in servers:
            server.proc.terminate()
        for server in servers:
            try:
                server.proc.wait(10)
            except subprocess.TimeoutExpired:
                server.proc.kill()
                server.proc.wait(5)
            with contextlib.suppress(OSError):
                os.unlink(server.log)


def _wait_ready(server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"server on port {server.port} exited:\n{Path(server.log).read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            # Uvicorn answers only once the lifespan (database, Redis subscription) is up.
            if httpx.get(f"http://{server.base}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"server on port {server.port} never became ready:\n{Path(server.log).read_text()}")


async def _post(server, query: str, variables: dict, token: str) -> dict:
    async with httpx.AsyncClient(base_url=f"http://{server.base}") as http:
        resp = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert not body.get("errors"), body
    return body["data"]


@contextlib.asynccontextmanager
async def _subscriber(server, token: str):
    from websockets.asyncio.client import connect

    async with connect(f"ws://{server.base}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": NOTIFICATION_ADDED}}))
        yield ws


async def _next_title(ws, timeout: float = 5.0) -> str:
    msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    assert msg["type"] == "next" and msg["id"] == "1", msg
    return msg["payload"]["data"]["notificationAdded"]["title"]


async def _silent(ws, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        msg = await asyncio.wait_for(ws.recv(), seconds)
        raise AssertionError(f"expected silence, got {msg}")
    return True


async def _until_live(ws, send_probe) -> None:
    """The server registers a subscription asynchronously: probe until one arrives, then drain."""
    for i in range(50):
        await send_probe(f"probe {i}")
        with contextlib.suppress(TimeoutError):
            assert (await _next_title(ws, 0.2)).startswith("probe")
            break
    else:
        raise AssertionError("the subscription never went live")
    await _drain(ws)


async def _drain(ws) -> None:
    with contextlib.suppress(TimeoutError):
        while True:
            await _next_title(ws, 0.3)


async def test_mutation_on_b_notifies_subscriber_on_a(cluster):
    w = await build_world()
    me, other = w.users["c1_worker"], w.users["c2_worker"]
    admin = w.tokens["super"]

    async def via_b(title, ids):
        return await _post(cluster.b, NOTIFY, {"ids": ids, "title": title}, admin)

    async with (
        _subscriber(cluster.a, w.tokens["c1_worker"]) as mine,
        _subscriber(cluster.a, w.tokens["c2_worker"]) as theirs,
    ):
        await _until_live(mine, lambda t: via_b(t, [me.id]))
        await _until_live(theirs, lambda t: via_b(t, [other.id]))
        await via_b("only for c2", [other.id])
        await via_b("for c1 from B", [me.id])
        assert await _next_title(mine) == "for c1 from B"
        assert await _next_title(theirs) == "only for c2"
        assert await _silent(mine, 0.3) and await _silent(theirs, 0.01)
        # A rolled-back mutation on B publishes nothing on A either.
        failed = await _post(cluster.b, NOTIFY, {"ids": [me.id], "title": "rolled back", "fail": True}, admin)
        assert failed["liveTestNotify"]["userErrors"][0]["code"] == "INVALID_INPUT"
        await via_b("after the failure", [me.id])
        assert await _next_title(mine) == "after the failure"
    assert await m.Notification.filter(title="rolled back").count() == 0


async def test_a_script_publishing_through_redis_reaches_both_servers(cluster):
    """Anything that calls notify() inside a transaction with a Redis bus (a worker, a
    management script) reaches subscribers on every server."""
    w = await build_world()
    me = w.users["c1_worker"]
    bus = RedisBus(_redis_url(cluster.channel))
    await bus.start()
    try:
        context = SimpleNamespace(runtime=SimpleNamespace(bus=bus), pending_events=[])

        async def publish(title):
            await in_mutation_transaction(context, lambda: notify(context, [me.id], "script.ping", title))

        async with (
            _subscriber(cluster.a, w.tokens["c1_worker"]) as on_a,
            _subscriber(cluster.b, w.tokens["c1_worker"]) as on_b,
        ):
            await _until_live(on_a, publish)
            await _until_live(on_b, publish)
            await _drain(on_a)  # the probes for B reached A too (same user)
            await publish("from a script")
            assert await _next_title(on_a) == "from a script"
            assert await _next_title(on_b) == "from a script"
    finally:
        await bus.stop()


async def test_real_server_closes_bad_token_with_4403(cluster):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async with connect(f"ws://{cluster.a.base}/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": bearer("forged")}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd.code == 4403


class _RemoteClient:
    """Just enough of core.testing.GraphQLClient for the plugin's helpers, over real HTTP."""

    def __init__(self, server):
        self.server = server

    async def data(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        return await _post(self.server, query, variables or {}, token)


async def test_mediation_team_assigned_on_b_notifies_mediator_on_a(mediation_cluster):
    """The same path with a real plugin mutation: assignMediationTeam notifies the team."""
    from plugins.mediation.tests.helpers import mediation_world, ok, report, to_in_mediation

    w = await mediation_world()
    b = _RemoteClient(mediation_cluster.b)
    mediator = w.users["c1_mediator"]

    async def probe(title):
        await _post(mediation_cluster.b, NOTIFY, {"ids": [mediator.id], "title": title}, w.tokens["super"])

    async with (
        _subscriber(mediation_cluster.a, w.tokens["c1_mediator"]) as ws,
        _subscriber(mediation_cluster.a, w.tokens["c2_worker"]) as outsider,
    ):
        await _until_live(ws, probe)
        case = ok(await report(b, w))
        await to_in_mediation(b, w, case["id"])
        msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
        note = msg["payload"]["data"]["notificationAdded"]
        assert note["kind"].startswith("mediation.")
        assert note["subject"] == {"id": case["id"]}
        assert await _silent(outsider, 0.3)
