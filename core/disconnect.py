"""Work for a client that has gone is cancelled.

An HTTP client that gives up (a closed tab, a proxy's timeout, an attacker's
script) used to leave its operation running to the end. :class:`CancelOnDisconnect`
wraps the /graphql HTTP endpoint: once the request body has been read, it
watches the ASGI receive channel, and on ``http.disconnect`` it cancels the
task running the request. Cancellation unwinds through the resolvers like any
exception: a mutation's transaction rolls back, database connections go back
to the pool (asyncpg cancels the statement on the server), and nothing is sent.
Websockets end their own operations when they close (strawberry does that).
"""

from __future__ import annotations

import asyncio
import contextlib


class CancelOnDisconnect:
    """ASGI wrapper: runs an HTTP request in its own task and cancels it when the client disconnects."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body_read = asyncio.Event()
        disconnected = asyncio.Event()
        stashed: list[dict] = []  # messages the watcher read for the app (a GET's empty body)
        if scope.get("method") in ("GET", "HEAD"):
            body_read.set()  # nothing to wait for: watch from the start

        async def app_receive():
            if stashed:
                return stashed.pop(0)
            if body_read.is_set():
                # The watcher owns the channel now; the next thing that can arrive is the end.
                await disconnected.wait()
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected.set()
            elif not message.get("more_body", False):
                body_read.set()
            return message

        answered = False

        async def app_send(message):
            nonlocal answered
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True  # servers report "disconnect" once the response is complete

        task = asyncio.ensure_future(self.app(scope, app_receive, app_send))

        async def watch():
            await body_read.wait()
            while not task.done():
                message = await receive()
                if message["type"] == "http.disconnect":
                    disconnected.set()
                    if not answered:
                        task.cancel()
                    return
                stashed.append(message)

        watcher = asyncio.ensure_future(watch())
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if disconnected.is_set() and task.cancelled() and not (current and current.cancelling()):
                return  # the client is gone: nobody to answer
            task.cancel()
            raise
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
