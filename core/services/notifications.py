"""The notification service plugins call to tell users something.

``notify`` writes the rows inside the caller's transaction and queues one
``notification.added`` event per user, published only once it commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from core import models as m
from core.events import emit
from core.ids import gid_of

TOPIC = "notification.added"


async def notify(
    context, user_ids: Iterable[int], kind: str, title: str, body: str | None = None, subject=None
) -> list[m.Notification]:
    """Notify each user once. ``subject`` is a model instance the notification is about.

    Call it inside a mutation (``run_mutation``): the rows share its transaction
    and subscribers hear of them only once it commits. Ids of unknown or
    deactivated accounts are skipped rather than failing the caller's change."""
    subject_gid = gid_of(subject) if subject is not None else None
    wanted = list(dict.fromkeys(int(u) for u in user_ids if u is not None))
    if not wanted:
        return []
    active = set(await m.User.filter(id__in=wanted, is_active=True).values_list("id", flat=True))
    created = []
    for user_id in (u for u in wanted if u in active):
        note = await m.Notification.create(
            user_id=user_id, kind=kind, title=title, body=body, subject_gid=subject_gid
        )
        created.append(note)
        emit(context, TOPIC, user_id=user_id, notification_id=note.id)
    return created


async def mark_read(context, notification_ids: list[int]) -> int:
    user_id = context.viewer.user_id
    return await m.Notification.filter(id__in=notification_ids, user_id=user_id, read_at__isnull=True).update(
        read_at=dt.datetime.now(dt.UTC)
    )
