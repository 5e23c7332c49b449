"""DemandStats computed in the database: grouped aggregate statements, no demand row loaded.

For demands submitted in [from, to) at or below an area that the viewer may read (one
statement per figure group, batched over areas by the lineage column):
- the status counts, ratings, on-time deliveries, overdue open demands and the summed
  seconds to delivery (one GROUP BY statement);
- byCategory (one GROUP BY area, category), most demands first;
- the organisations league table (one GROUP BY area, organisation over the assignments
  of those demands, cancelled ones excluded);
- whistles blown in [from, to) at or below the area and how their calls reported.
Python only divides the few sums those statements return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Sum

from core.access import visible
from core.permissions import Viewer
from plugins.demands.enums import OPEN_STATUSES, RESOLVED_STATUSES, RUNNING_STATUSES
from plugins.demands.enums import DemandAssignmentStatus as AS
from plugins.demands.enums import DemandStatus as S
from plugins.demands.enums import WhistleCallStatus as CS
from plugins.demands.models import Demand, DemandAssignment, Whistle, WhistleCall

SECONDS_PER_DAY = 86400.0


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Tally:
    total: int = 0
    open: int = 0
    delivered: int = 0
    closed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    on_time: int = 0
    rated: int = 0
    score_sum: int = 0
    satisfied: int = 0
    overdue_open: int = 0
    delivery_seconds: int = 0
    by_category: list[tuple[int, int]] = field(default_factory=list)

    @property
    def resolved(self) -> int:
        return self.delivered + self.closed

    @property
    def resolution_rate(self) -> float | None:
        return _ratio(self.resolved, self.total - self.withdrawn)

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.on_time, self.resolved)

    @property
    def average_score(self) -> float | None:
        return _ratio(self.score_sum, self.rated)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied, self.rated)

    @property
    def average_days_to_deliver(self) -> float | None:
        return self.delivery_seconds / self.resolved / SECONDS_PER_DAY if self.resolved else None


@dataclass
class OrganizationRecord:
    organization_id: int
    offered: int
    accepted: int
    declined: int
    delivered: int
    on_time: int
    rated: int
    score_sum: int

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.on_time, self.delivered)

    @property
    def average_score(self) -> float | None:
        return _ratio(self.score_sum, self.rated)


@dataclass
class WhistleTally:
    blown: int = 0
    on_time: int = 0
    decided: int = 0

    @property
    def report_on_time_rate(self) -> float | None:
        return _ratio(self.on_time, self.decided)


def period_q(frm: dt.datetime | None, to: dt.datetime | None, column: str = "submitted_at") -> Q:
    parts = []
    if frm is not None:
        parts.append(Q(**{f"{column}__gte": frm}))
    if to is not None:
        parts.append(Q(**{f"{column}__lt": to}))
    return Q(*parts) if parts else Q()


def overdue_q(now: dt.datetime, prefix: str = "") -> Q:
    """Not yet delivered and past dueAt (Demand.overdue), as SQL."""
    return Q(**{f"{prefix}status__in": list(RUNNING_STATUSES), f"{prefix}due_at__lt": now})


def _demands(viewer: Viewer, column: str, area_ids: list[int], frm, to):
    return visible(viewer, Demand).filter(period_q(frm, to), **{f"{column}__in": sorted(set(area_ids))})


def _n(value) -> int:
    return int(value or 0)


async def tallies(
    viewer: Viewer,
    column: str,
    area_ids: list[int],
    frm: dt.datetime | None,
    to: dt.datetime | None,
    now: dt.datetime,
) -> dict[int, Tally]:
    out = {area_id: Tally() for area_id in area_ids}
    if not area_ids:
        return out
    status = {s: Q(status=s) for s in S}
    rows = await (
        _demands(viewer, column, area_ids, frm, to)
        .annotate(
            total=Count("id"),
            open_=Count("id", _filter=Q(status__in=list(OPEN_STATUSES))),
            delivered=Count("id", _filter=status[S.DELIVERED]),
            closed=Count("id", _filter=status[S.CLOSED]),
            rejected=Count("id", _filter=status[S.REJECTED]),
            withdrawn=Count("id", _filter=status[S.WITHDRAWN]),
            on_time=Count("id", _filter=Q(status__in=list(RESOLVED_STATUSES), delivered_on_time=True)),
            rated=Count("id", _filter=Q(rating_score__isnull=False)),
            score_sum=Sum("rating_score"),
            satisfied=Count("id", _filter=Q(rating_score__gte=4)),
            overdue_open=Count("id", _filter=overdue_q(now)),
            secs=Sum("delivery_seconds", _filter=Q(status__in=list(RESOLVED_STATUSES))),
        )
        .group_by(column)
        .values(
            column,
            "total",
            "open_",
            "delivered",
            "closed",
            "rejected",
            "withdrawn",
            "on_time",
            "rated",
            "score_sum",
            "satisfied",
            "overdue_open",
            "secs",
        )
    )
    for row in rows:
        t = out[row[column]]
        t.total, t.open, t.delivered, t.closed = (
            _n(row["total"]),
            _n(row["open_"]),
            _n(row["delivered"]),
            _n(row["closed"]),
        )
        t.rejected, t.withdrawn, t.on_time = _n(row["rejected"]), _n(row["withdrawn"]), _n(row["on_time"])
        t.rated, t.score_sum, t.satisfied = _n(row["rated"]), _n(row["score_sum"]), _n(row["satisfied"])
        t.overdue_open, t.delivery_seconds = _n(row["overdue_open"]), _n(row["secs"])
    return out


async def by_category(
    viewer: Viewer, column: str, area_ids: list[int], frm, to
) -> dict[int, list[tuple[int, int]]]:
    """[(category id, count)] per area, most demands first (then category id)."""
    out: dict[int, list[tuple[int, int]]] = {area_id: [] for area_id in area_ids}
    if not area_ids:
        return out
    rows = await (
        _demands(viewer, column, area_ids, frm, to)
        .annotate(n=Count("id"))
        .group_by(column, "category_id")
        .values(column, "category_id", "n")
    )
    for row in sorted(rows, key=lambda r: (-r["n"], r["category_id"])):
        out[row[column]].append((row["category_id"], int(row["n"])))
    return out


async def organizations(
    viewer: Viewer, column: str, area_ids: list[int], frm, to
) -> dict[int, list[OrganizationRecord]]:
    """The league table per area: ordered by delivered, then onTimeRate (none last), descending."""
    out: dict[int, list[OrganizationRecord]] = {area_id: [] for area_id in area_ids}
    if not area_ids:
        return out
    accepted = Q(status=AS.ACCEPTED)
    delivered = Q(status=AS.ACCEPTED, demand__status__in=list(RESOLVED_STATUSES))
    group = f"demand__{column}"
    rows = await (
        DemandAssignment.filter(
            demand_id__in=Subquery(_demands(viewer, column, area_ids, frm, to).values("id"))
        )
        .exclude(status=AS.CANCELLED)
        .annotate(
            offered=Count("id"),
            accepted=Count("id", _filter=accepted),
            declined=Count("id", _filter=Q(status=AS.DECLINED)),
            delivered=Count("id", _filter=delivered),
            on_time=Count("id", _filter=Q(delivered, demand__delivered_on_time=True)),
            rated=Count("id", _filter=Q(accepted, demand__rating_score__isnull=False)),
            score_sum=Sum("demand__rating_score", _filter=accepted),
        )
        .group_by(group, "organization_id")
        .values(
            group,
            "organization_id",
            "offered",
            "accepted",
            "declined",
            "delivered",
            "on_time",
            "rated",
            "score_sum",
        )
    )
    for row in rows:
        out[row[group]].append(
            OrganizationRecord(
                row["organization_id"],
                _n(row["offered"]),
                _n(row["accepted"]),
                _n(row["declined"]),
                _n(row["delivered"]),
                _n(row["on_time"]),
                _n(row["rated"]),
                _n(row["score_sum"]),
            )
        )
    for records in out.values():
        records.sort(
            key=lambda r: (
                -r.delivered,
                -(r.on_time_rate if r.on_time_rate is not None else -1),
                r.organization_id,
            )
        )
    return out


async def whistles(
    viewer: Viewer, column: str, area_ids: list[int], frm, to, now: dt.datetime
) -> dict[int, WhistleTally]:
    """Whistles blown in [from, to) at or below each area, and how their calls reported."""
    out = {area_id: WhistleTally() for area_id in area_ids}
    if not area_ids:
        return out
    blown = visible(viewer, Whistle).filter(
        period_q(frm, to, "blown_at"), **{f"{column}__in": sorted(set(area_ids))}
    )
    for row in await blown.annotate(n=Count("id")).group_by(column).values(column, "n"):
        out[row[column]].blown = _n(row["n"])
    group = f"whistle__{column}"
    late_unreported = Q(status=CS.SUMMONED, report_by__lt=now)
    rows = await (
        WhistleCall.filter(whistle_id__in=Subquery(blown.values("id")))
        .annotate(
            on_time=Count("id", _filter=Q(reported_on_time=True)),
            reported=Count("id", _filter=Q(reported_at__isnull=False)),
            late_open=Count("id", _filter=late_unreported),
        )
        .group_by(group)
        .values(group, "on_time", "reported", "late_open")
    )
    for row in rows:
        t = out[row[group]]
        t.on_time = _n(row["on_time"])
        t.decided = _n(row["reported"]) + _n(row["late_open"])
    return out
