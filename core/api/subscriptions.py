"""Core subscriptions, and :func:`live_events`, the loop every subscription uses.

A plugin subscription looks like::

    @strawberry.subscription(description="...")
    async def dispute_case_updated(self, info: Info) -> AsyncGenerator[DisputeCase, None]:
        async with aclosing(live_events(info, "mediation.case.updated")) as events:
            async for event in events:
                case = await info.context.loaders.by_id(DisputeCase).load(event.data["case_id"])
                if case is not None:  # None: outside the viewer's scope
                    yield case

``aclosing`` (contextlib) matters: it closes the inner generator, and with it
the bus subscription, the moment the client goes away, not whenever the
garbage collector gets to it.
Scoping is the query path's: rows are loaded through the loaders (hence
``visible``) with the viewer re-read before each event.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing

import strawberry
from strawberry.types import Info

from core import models as m
from core.api.types import Notification
from core.api.websocket import refresh_viewer
from core.audit import flush_reads
from core.errors import ApiError, Code, unauthenticated
from core.events import Event
from core.permissions import Viewer
from core.services.notifications import TOPIC


async def live_events(
    info: Info, topic: str, only: Callable[[Event, Viewer], bool] | None = None
) -> AsyncIterator[Event]:
    """Events on ``topic`` for a signed-in subscriber, until the client goes away.

    ``only`` is a cheap filter on the event's data (no database) applied before
    the viewer is re-read; before each event reaches the caller,
    ``info.context.viewer`` and ``info.context.loaders`` are fresh, so an
    expired token, a deactivated account or a revoked role takes effect at
    once (the first ends the subscription with UNAUTHENTICATED)."""
    context = info.context
    if not context.viewer.authenticated:
        raise unauthenticated()
    # The connection may be older than the token.
    await refresh_viewer(context)
    sub = context.runtime.bus.subscribe(topic)
    try:
        async for event in sub:
            if only is not None and not only(event, context.viewer):
                continue
            await refresh_viewer(context)
            yield event
            # The caller has resolved and sent what it made of the event: write
            # its personal-data reads now, not when the connection ends hours later.
            await flush_reads(context)
    finally:
        # Runs when the client completes the operation or disconnects: the
        # bus forgets the queue at once.
        sub.close()


async def rows_changed_at_or_below(
    info: Info, area_id: str, topic: str, model: type, id_key: str
) -> AsyncIterator:
    """The ``model`` row named by ``event.data[id_key]`` each time an event on ``topic`` says it
    changed at or below the area ``area_id`` (the event carries ``area_ids``: the lineage of the
    row's area), re-read through the subscriber's scoped loaders (rows they may not read are
    skipped). An area the subscriber cannot see: NOT_FOUND before anything is sent.

    What the "…Updated(areaId)" subscriptions of plugins share::

        async for case in rows_changed_at_or_below(info, area_id, TOPIC, DisputeCase, "case_id"):
            yield case
    """
    from core.api.areas import visible_area

    if not info.context.viewer.authenticated:
        raise unauthenticated()
    area = await visible_area(info, area_id)
    if area is None:
        raise ApiError("Area not found", Code.NOT_FOUND)

    def at_or_below(event: Event, _viewer: Viewer) -> bool:
        return area.id in (event.data.get("area_ids") or ())

    async with aclosing(live_events(info, topic, only=at_or_below)) as events:
        async for event in events:
            row = await info.context.loaders.by_id(model).load(event.data.get(id_key))
            if row is not None:
                yield row


def _addressed_to_viewer(event: Event, viewer: Viewer) -> bool:
    return event.data.get("user_id") == viewer.user_id


@strawberry.type(description="Core subscriptions (graphql-transport-ws at /graphql).")
class CoreSubscription:
    @strawberry.subscription(
        description="Notifications for the signed-in user as they are created (graphql-transport-ws)."
    )
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        async with aclosing(live_events(info, TOPIC, only=_addressed_to_viewer)) as events:
            async for event in events:
                note_id = event.data.get("notification_id")
                note = await info.context.loaders.by_id(m.Notification).load(note_id) if note_id else None
                if note is not None:
                    yield note
