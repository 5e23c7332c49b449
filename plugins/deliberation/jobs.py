"""Scheduled work: the owner of an overdue action item hears of it once."""

from __future__ import annotations

import datetime as dt

from core import clock
from core.scheduled import JobRun, ScheduledJob
from core.services.notifications import notify
from plugins.deliberation.enums import ActionItemStatus
from plugins.deliberation.models import ActionItem
from plugins.deliberation.services import ACTION_KIND, owners_accounts

OVERDUE = "deliberation.overdue"


async def notify_overdue(run: JobRun) -> int:
    """OPEN items whose dueOn is before the district's today as of ``run.now``, each claimed with a
    conditional UPDATE on overdue_notified_at so that no run notifies twice."""
    today = clock.local_date(run.now)
    due = await ActionItem.filter(
        status=ActionItemStatus.OPEN, due_on__lt=today, overdue_notified_at__isnull=True
    ).order_by("id")
    claimed = []
    for item in due:
        if await ActionItem.filter(
            id=item.id, overdue_notified_at__isnull=True, status=ActionItemStatus.OPEN
        ).update(overdue_notified_at=run.now):
            claimed.append(item)
    accounts = await owners_accounts(run.host, claimed)
    for item in claimed:
        await notify(
            run,
            accounts[item.id],
            ACTION_KIND,
            "议事待办已逾期",
            body=f"{item.description[:160]} (截止 {item.due_on.isoformat()})",
            subject=item,
        )
    return len(claimed)


def jobs() -> list[ScheduledJob]:
    return [
        ScheduledJob(
            OVERDUE,
            dt.timedelta(minutes=15),
            notify_overdue,
            "Notify the owner of each overdue deliberation action item, once.",
        )
    ]
