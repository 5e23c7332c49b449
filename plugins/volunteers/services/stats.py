"""Hours, leaderboards and statistics: aggregate queries in the database.

Periods are whole dates [from, to] of the district's calendar (core.clock,
LASTMILE_TIME_ZONE): a signup counts on its activity's startsAt date, a service log on its
servedOn date. Hours belong to the volunteer, so an area's hours are those of
the volunteers living below it, wherever they served.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Sum

from core import clock
from core.access import visible
from core.dates import period
from core.permissions import Viewer
from plugins.volunteers import models as vm
from plugins.volunteers.enums import ActivityCategory, ActivityStatus, SignupStatus, VolunteerStatus


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def of(cls, start: dt.date | None, end: dt.date | None) -> Period:
        return cls(*period(start, end))

    def _bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        # Days of the district's calendar (core.clock): the period starts at its local midnight.
        lo = clock.local_midnight(self.start) if self.start else None
        # The last day runs to the next midnight (no bound after the last representable day).
        hi = (
            clock.local_midnight(self.end + dt.timedelta(days=1))
            if self.end is not None and self.end < dt.date.max
            else None
        )
        return lo, hi

    def starts_q(self, prefix: str = "") -> Q:
        lo, hi = self._bounds()
        parts = []
        if lo is not None:
            parts.append(Q(**{f"{prefix}starts_at__gte": lo}))
        if hi is not None:
            parts.append(Q(**{f"{prefix}starts_at__lt": hi}))
        return Q(*parts) if parts else Q()

    def served_q(self) -> Q:
        parts = []
        if self.start is not None:
            parts.append(Q(served_on__gte=self.start))
        if self.end is not None:
            parts.append(Q(served_on__lte=self.end))
        return Q(*parts) if parts else Q()


def _f(value) -> float:
    return float(value or 0)


def _hundredths(value: float) -> float:
    """Hours are kept to two decimals; sums of binary floats are rounded back
    (1.1 + 2.2 is 3.3, not 3.3000000000000003), so equal sums tie."""
    return round(value + 0.0, 2)


async def hours_of(volunteer_ids: list[int]) -> dict[int, tuple[float, float]]:
    """(verified, total) hours per volunteer: two GROUP BY statements."""
    verified: dict[int, float] = defaultdict(float)
    total: dict[int, float] = defaultdict(float)
    ids = list(set(volunteer_ids))
    signups = await (
        vm.ActivitySignup.filter(volunteer_id__in=ids, status=SignupStatus.CHECKED_OUT)
        .annotate(h=Sum("hours"))
        .group_by("volunteer_id", "verified")
        .values("volunteer_id", "verified", "h")
    )
    logs = await (
        vm.ServiceLog.filter(volunteer_id__in=ids)
        .annotate(h=Sum("hours"))
        .group_by("volunteer_id", "verified")
        .values("volunteer_id", "verified", "h")
    )
    for row in [*signups, *logs]:
        total[row["volunteer_id"]] += _f(row["h"])
        if row["verified"]:
            verified[row["volunteer_id"]] += _f(row["h"])
    return {i: (_hundredths(verified.get(i, 0.0)), _hundredths(total.get(i, 0.0))) for i in ids}


def _volunteers_below(viewer: Viewer, col: str, area_ids: list[int]) -> Subquery:
    return Subquery(visible(viewer, vm.Volunteer).filter(**{f"{col}__in": area_ids}).values("id"))


async def verified_hours_by(
    viewer: Viewer, col: str, area_ids: list[int], period: Period, group: str
) -> dict:
    """Verified hours in the period of visible volunteers below the areas, per ``group`` column
    (``volunteer_id`` for a leaderboard, ``volunteer__<col>`` for areas)."""
    below = _volunteers_below(viewer, col, area_ids)
    signups = await (
        vm.ActivitySignup.filter(verified=True, status=SignupStatus.CHECKED_OUT, volunteer_id__in=below)
        .filter(period.starts_q("activity__"))
        .annotate(h=Sum("hours"))
        .group_by(group)
        .values(group, "h")
    )
    logs = await (
        vm.ServiceLog.filter(verified=True, volunteer_id__in=below)
        .filter(period.served_q())
        .annotate(h=Sum("hours"))
        .group_by(group)
        .values(group, "h")
    )
    out: dict = defaultdict(float)
    for row in [*signups, *logs]:
        out[row[group]] += _f(row["h"])
    return {key: _hundredths(h) for key, h in out.items()}


@dataclass
class RankRow:
    rank: int
    volunteer_id: int
    hours: float


def rank(hours: dict[int, float], first: int) -> list[RankRow]:
    """Standard competition ranking (1, 1, 3): equal hours share a rank; within
    a tie, lower volunteer id first so pages are stable."""
    ordered = sorted(((h, vid) for vid, h in hours.items() if h > 0), key=lambda p: (-p[0], p[1]))
    rows: list[RankRow] = []
    for position, (h, vid) in enumerate(ordered[:first], start=1):
        shared = rows and rows[-1].hours == h
        rows.append(RankRow(rows[-1].rank if shared else position, vid, h))
    return rows


@dataclass
class StatsRow:
    volunteer_count: int = 0
    active_volunteer_count: int = 0
    activity_count: int = 0
    verified_hours: float = 0.0
    attendance: int = 0
    # category -> [sessions, attendance]
    by_category: dict = field(default_factory=dict)

    def categories(self) -> list[tuple[ActivityCategory, int, int]]:
        return [(c, *self.by_category[c]) for c in ActivityCategory if c in self.by_category]


async def stats_for(viewer: Viewer, col: str, area_ids: list[int], period: Period) -> dict[int, StatsRow]:
    """Statistics per area (all at the level ``col`` names), five GROUP BY statements in all."""
    out = {i: StatsRow() for i in area_ids}
    # Volunteers as registered now (like activeVolunteerCount): joinedOn is the
    # day of registration, and service is often logged for days before it.
    volunteers = visible(viewer, vm.Volunteer).filter(**{f"{col}__in": area_ids})
    for row in await volunteers.annotate(n=Count("id")).group_by(col).values(col, "n"):
        out[row[col]].volunteer_count = row["n"]
    active = volunteers.filter(status=VolunteerStatus.ACTIVE)
    for row in await active.annotate(n=Count("id")).group_by(col).values(col, "n"):
        out[row[col]].active_volunteer_count = row["n"]
    activities = (
        visible(viewer, vm.VolunteerActivity)
        .filter(**{f"{col}__in": area_ids})
        .exclude(status=ActivityStatus.CANCELLED)
        .filter(period.starts_q())
    )
    # Sessions and attendance per category in the same statement that counts the activities.
    for row in await (
        activities.annotate(n=Count("id"), people=Sum("audience_count"))
        .group_by(col, "category")
        .values(col, "category", "n", "people")
    ):
        target, people = out[row[col]], int(row["people"] or 0)
        category = (
            row["category"]
            if isinstance(row["category"], ActivityCategory)
            else ActivityCategory(row["category"])
        )
        target.activity_count += row["n"]
        target.attendance += people
        target.by_category[category] = [row["n"], people]
    group = f"volunteer__{col}"
    for area_id, h in (await verified_hours_by(viewer, col, area_ids, period, group)).items():
        out[area_id].verified_hours = h
    return out
