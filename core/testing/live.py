"""Subscriptions in tests: graphql-transport-ws over httpx-ws, straight to the ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

PROTOCOL = "graphql-transport-ws"


class Subscription:
    """One graphql-transport-ws connection carrying one operation (id "1")."""

    def __init__(self, ws: AsyncWebSocketSession):
        self.ws = ws

    async def next(self, timeout: float = 5.0) -> dict:
        """The next ``next`` payload (``{"data": ...}``); fails on ``error`` or ``complete``."""
        message = await self.ws.receive_json(timeout=timeout)
        assert message.get("type") == "next", message
        return message["payload"]

    async def receive(self, timeout: float = 5.0) -> dict:
        """The next protocol message as it came (next, error, complete, ping...)."""
        return await self.ws.receive_json(timeout=timeout)


@contextlib.asynccontextmanager
async def subscribe(
    app, query: str, variables: dict | None = None, token: str | None = None, *, path: str = "/graphql"
) -> AsyncIterator[Subscription]:
    """``async with subscribe(app, "subscription { ... }", token=t) as sub: await sub.next()``.

    Opens the socket, sends connection_init (with the token, as a browser would)
    and the subscribe message, waits until the app's event bus holds the new
    subscriber (so that an event published next reaches it), and closes it all on exit."""
    bus = app.state.runtime.bus
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://test") as http:
        async with aconnect_ws(path, http, subprotocols=[PROTOCOL]) as ws:
            payload = {"Authorization": f"Bearer {token}"} if token else {}
            await ws.send_json({"type": "connection_init", "payload": payload})
            ack = await ws.receive_json(timeout=5)
            assert ack.get("type") == "connection_ack", ack
            before = bus.subscriber_count()
            await ws.send_json(
                {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
            )
            for _ in range(500):
                if bus.subscriber_count() > before:
                    break
                await asyncio.sleep(0.01)
            yield Subscription(ws)
