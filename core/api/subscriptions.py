"""Core subscriptions: notifications pushed to their user."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from core import models as m
from core.api.types import Notification
from core.errors import unauthenticated
from core.services.notifications import TOPIC


@strawberry.type(description="Core subscriptions (graphql-transport-ws at /graphql).")
class CoreSubscription:
    @strawberry.subscription(description="Notifications for the signed-in user as they are created (graphql-transport-ws).")
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        context = info.context
        if not context.viewer.authenticated:
            raise unauthenticated()
        user_id = context.viewer.user_id
        sub = context.runtime.bus.subscribe(TOPIC)
        try:
            async for event in sub:
                if event.data.get("user_id") != user_id:
                    continue
                note = await m.Notification.get_or_none(id=event.data.get("notification_id"), user_id=user_id)
                if note is not None:
                    yield note
        finally:
            sub.close()
