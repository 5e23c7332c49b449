"""Helpers for the live-update tests (no tests here).

* a test-only plugin with a mutation that notifies users through
  core.services.notifications.notify (core itself has no mutation that
  notifies), optionally failing after notifying so its transaction rolls back;
* :func:`server_app`, a uvicorn factory serving core plus that plugin, for the
  tests that start real server processes;
* :class:`AsgiWebSocket`, a graphql-transport-ws client driving the ASGI app
  in the test's own event loop (the database connections live there).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

import strawberry
from strawberry.types import Info

from core import models as m
from core.api.mutation import run_mutation
from core.api.types import UserError
from core.errors import Code, UserFailure
from core.hookspecs import hookimpl
from core.services.notifications import notify

NAME = "live_test"
VERSION = "0.0.0"
DESCRIPTION = "Test-only: a mutation that notifies users."


@strawberry.type(description="Result of liveTestNotify.")
class LiveTestNotifyPayload:
    count: int | None = strawberry.field(description="How many notifications were created.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="Test-only mutations.")
class LiveTestMutation:
    @strawberry.mutation(description="Notifies users; with fail=true it fails after notifying (rolled back).")
    async def live_test_notify(
        self,
        info: Info,
        user_ids: list[int],
        title: str,
        fail: bool = False,
        subject_resident_id: int | None = None,
    ) -> LiveTestNotifyPayload:
        async def work():
            subject = await m.Resident.get(id=subject_resident_id) if subject_resident_id else None
            notes = await notify(
                info.context, user_ids, "live_test.ping", title, body="test", subject=subject
            )
            if fail:
                raise UserFailure("Refused after notifying.", Code.INVALID_INPUT)
            return len(notes)

        return await run_mutation(info, work, LiveTestNotifyPayload, "count")


@hookimpl
def lastmile_mutation_fields():
    return [LiveTestMutation]


def plugin_module():
    return sys.modules[__name__]


def build_live_app(bus=None, **overrides):
    """The in-process test app: core (plus LASTMILE_TEST_PLUGINS) and the test plugin."""
    from core.api.schema import build_runtime
    from core.app import create_app
    from core.plugins import PluginHost
    from core.settings import get_settings
    from core.testing import TEST_PLUGINS

    settings = get_settings().model_copy(update=overrides) if overrides else get_settings()
    host = PluginHost(
        list(TEST_PLUGINS) if TEST_PLUGINS is not None else None, extra_modules=[plugin_module()]
    )
    runtime = build_runtime(settings, host, bus=bus)
    return create_app(settings, runtime=runtime, manage_db=False)


def server_app():
    """uvicorn factory for server processes: settings from the environment, plus the test plugin.

    The test session has migrated the database already."""
    from core.api.schema import build_runtime
    from core.app import create_app
    from core.plugins import PluginHost
    from core.settings import get_settings

    settings = get_settings()
    host = PluginHost(settings.plugin_names(), extra_modules=[plugin_module()])
    return create_app(settings, runtime=build_runtime(settings, host), apply_migrations=False)


NOTIFY = """mutation($ids: [Int!]!, $title: String!, $fail: Boolean! = false, $subject: Int) {
  liveTestNotify(userIds: $ids, title: $title, fail: $fail, subjectResidentId: $subject) {
    count userErrors { code message }
  }
}"""

NOTIFICATION_ADDED = "subscription { notificationAdded { id kind title body readAt subject { id } } }"


class Closed(Exception):
    def __init__(self, code: int, reason: str = ""):
        super().__init__(f"websocket closed: {code} {reason}")
        self.code = code
        self.reason = reason


class AsgiWebSocket:
    """A websocket client speaking to an ASGI app directly.

    ``buffer`` bounds what the client holds unread: with ``buffer=1`` a client
    that stops reading makes the server's next send wait, like a stalled
    network peer."""

    def __init__(self, app, path: str = "/graphql", headers: dict | None = None, buffer: int = 0):
        self.app = app
        self.path = path
        self.headers = headers or {}
        self.to_app: asyncio.Queue = asyncio.Queue()
        self.from_app: asyncio.Queue = asyncio.Queue(maxsize=buffer)
        self.task: asyncio.Task | None = None
        self.closed: Closed | None = None
        self._disconnected = False

    async def _receive(self):
        if self._disconnected:
            return {"type": "websocket.disconnect", "code": 1000}
        message = await self.to_app.get()
        if message["type"] == "websocket.disconnect":
            self._disconnected = True
        return message

    async def _send(self, message):
        await self.from_app.put(message)

    async def connect(self) -> AsgiWebSocket:
        given = {k.lower(): v for k, v in self.headers.items()}
        defaults = {
            "host": "test",
            "connection": "upgrade",
            "upgrade": "websocket",
            "sec-websocket-protocol": "graphql-transport-ws",
        }
        headers = [(k.encode(), v.encode()) for k, v in {**defaults, **given}.items()]
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "scheme": "ws",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
            "subprotocols": ["graphql-transport-ws"],
            "extensions": {},
            "state": {},
        }
        await self.to_app.put({"type": "websocket.connect"})
        self.task = asyncio.create_task(self.app(scope, self._receive, self._send))
        first = await asyncio.wait_for(self.from_app.get(), 5)
        if first["type"] == "websocket.close":
            self.closed = Closed(first.get("code", 1000), first.get("reason", ""))
            raise self.closed
        assert first["type"] == "websocket.accept", first
        assert first.get("subprotocol") == "graphql-transport-ws", first
        return self

    async def send(self, message: dict) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self, timeout: float = 5.0) -> dict:
        """The next protocol message; raises Closed when the server closed the socket."""
        if self.closed is not None:
            raise self.closed
        message = await asyncio.wait_for(self.from_app.get(), timeout)
        if message["type"] == "websocket.close":
            self.closed = Closed(message.get("code", 1000), message.get("reason", ""))
            raise self.closed
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def nothing_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            got = await self.receive(timeout=seconds)
            raise AssertionError(f"expected silence, got {got}")
        return True

    async def init(self, payload: dict | None = None) -> dict:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, query: str, op_id: str = "1", variables: dict | None = None) -> None:
        await self.send(
            {"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        )

    async def disconnect(self) -> None:
        await self.to_app.put({"type": "websocket.disconnect", "code": 1000})
        # Unblock a server stuck sending to us, so it sees the disconnect.
        while not self.from_app.empty():
            self.from_app.get_nowait()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._drain_until_done(), 5)

    async def _drain_until_done(self):
        while not self.task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.from_app.get(), 0.05)
        await self.task

    async def __aenter__(self):
        return await self.connect()

    async def __aexit__(self, *exc):
        await self.disconnect()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
