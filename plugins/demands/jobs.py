"""Time-driven work (core.scheduled), each exactly once however many instances run:

- demands.auto_close: a DELIVERED demand unrated for 14 days closes (AUTO_CLOSED event);
  the state machine's compare-and-set on the status is the claim;
- demands.overdue: a dispatched demand past dueAt, not delivered, notifies the
  accepting organisations' liaisons (or those offered it, while none accepted) and its
  dispatcher once (demands.overdue), claimed through overdue_notified_at;
- demands.whistle.late: a call of an OPEN whistle not reported by reportBy notifies
  the department's liaisons and whoever blew the whistle once (demands.whistle.late),
  claimed through late_notified_at.

Each run acts as of ``run.now`` (tests pass their own). The period is
``LASTMILE_DEMANDS_JOB_SECONDS`` (default 300).
"""

from __future__ import annotations

import datetime as dt
import os

from core.errors import UserFailure
from core.scheduled import JobRun, ScheduledJob
from core.services.notifications import notify
from plugins.demands import lifecycle
from plugins.demands.enums import RUNNING_STATUSES
from plugins.demands.enums import DemandAssignmentStatus as AS
from plugins.demands.enums import DemandStatus as S
from plugins.demands.enums import WhistleCallStatus as CS
from plugins.demands.enums import WhistleStatus as WS
from plugins.demands.lifecycle import Action
from plugins.demands.models import Demand, DemandAssignment, Whistle, WhistleCall
from plugins.demands.services.common import changed, liaison_users

OVERDUE_KIND = "demands.overdue"
LATE_KIND = "demands.whistle.late"
BATCH = 500  # per run; the rest waits for the next period


def period() -> dt.timedelta:
    return dt.timedelta(seconds=float(os.environ.get("LASTMILE_DEMANDS_JOB_SECONDS", "300")))


async def auto_close(run: JobRun) -> int:
    cutoff = run.now - lifecycle.AUTO_CLOSE_AFTER
    due = await Demand.filter(status=S.DELIVERED, delivered_at__lte=cutoff).order_by("id").limit(BATCH)
    closed = 0
    for demand in due:
        try:
            await lifecycle.move(
                demand,
                Action.AUTO_CLOSE,
                None,
                at=run.now,
                note=f"unrated {lifecycle.AUTO_CLOSE_AFTER.days} days after delivery",
            )
        except UserFailure:
            continue  # rated or reworked meanwhile
        changed(run, demand)
        closed += 1
    return closed


async def _responsible(demand: Demand) -> list[int]:
    rows = await DemandAssignment.filter(demand_id=demand.id, status__in=[AS.ACCEPTED, AS.OFFERED]).values(
        "organization_id", "status"
    )
    accepted = [r["organization_id"] for r in rows if r["status"] == AS.ACCEPTED]
    orgs = accepted or [r["organization_id"] for r in rows]
    users = await liaison_users(orgs)
    if demand.dispatched_by_id:
        users.append(demand.dispatched_by_id)
    return users


async def notify_overdue(run: JobRun) -> int:
    due = (
        await Demand.filter(status__in=list(RUNNING_STATUSES), due_at__lt=run.now, overdue_notified_at=None)
        .order_by("due_at", "id")
        .limit(BATCH)
    )
    claimed = 0
    for demand in due:
        # The claim: only the run whose UPDATE matches notifies.
        if not await Demand.filter(
            id=demand.id, overdue_notified_at=None, status__in=list(RUNNING_STATUSES)
        ).update(overdue_notified_at=run.now):
            continue
        await lifecycle.move(
            demand, Action.MARK_OVERDUE, None, at=run.now, note=f"due {demand.due_at.isoformat()}"
        )
        await notify(
            run,
            await _responsible(demand),
            OVERDUE_KIND,
            f"群众诉求{demand.ledger_number}已超期未办结",
            body=demand.title,
            subject=demand,
        )
        changed(run, demand)
        claimed += 1
    return claimed


async def notify_late_calls(run: JobRun) -> int:
    late = (
        await WhistleCall.filter(
            status=CS.SUMMONED, report_by__lt=run.now, late_notified_at=None, whistle__status=WS.OPEN
        )
        .order_by("report_by", "id")
        .limit(BATCH)
    )
    claimed = 0
    for call in late:
        if not await WhistleCall.filter(id=call.id, late_notified_at=None, status=CS.SUMMONED).update(
            late_notified_at=run.now
        ):
            continue
        whistle = await Whistle.get(id=call.whistle_id)
        users = await liaison_users([call.organization_id]) + [whistle.blown_by_id]
        await notify(
            run,
            users,
            LATE_KIND,
            f"吹哨事项“{whistle.title}”逾期未报到",
            body=whistle.description[:200],
            subject=whistle,
        )
        claimed += 1
    return claimed


def scheduled_jobs() -> list[ScheduledJob]:
    every = period()
    return [
        ScheduledJob(
            "demands.auto_close",
            every,
            auto_close,
            "Close DELIVERED demands left unrated for 14 days (AUTO_CLOSED).",
        ),
        ScheduledJob(
            "demands.overdue",
            every,
            notify_overdue,
            "Notify those responsible for a demand past dueAt, once.",
        ),
        ScheduledJob(
            "demands.whistle.late",
            every,
            notify_late_calls,
            "Notify departments that have not reported to a whistle by reportBy, once.",
        ),
    ]
