"""MediationStats computed in the database.

One grouped aggregate statement per request (per batch of areas): cases are
counted by (area, category, handling level, outcome, level at resolution),
with the sum of their stored resolution durations. Python only adds up those
few dozen group rows; no case is loaded.

Definitions (cases *reported* in [from, to), visible to the viewer, at or below the area):
- total: all of them; open: not yet resolved or failed; resolved / failed: by
  outcome, whether or not the case has been CLOSED since (total = open + resolved + failed);
- resolutionRate = resolved / (resolved + failed), null when both are 0;
- resolvedAtCompoundRate = share of resolved cases whose handling level at
  resolution was COMPOUND (never escalated out of the compound), null when none resolved;
- averageDaysToResolve = mean of reportedAt -> resolvedAt in days, null when none resolved;
- resolvedInPeriod: cases settled by an agreement with resolvedAt in [from, to), whatever their
  report date (its own grouped statement, batched, only when asked for): the figure "disputes
  resolved a year";
- byCategory (in enum order) / byHandlingLevel (current level, up the ladder: COMPOUND,
  COMMUNITY, SUBDISTRICT): only non-zero counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from core.access import visible
from core.enums import LEVELS, AreaLevel
from core.permissions import Viewer
from plugins.mediation.enums import DisputeCategory, DisputeStatus
from plugins.mediation.models import DisputeCase

SECONDS_PER_DAY = 86400.0


@dataclass
class Tally:
    total: int = 0
    resolved: int = 0
    failed: int = 0
    resolved_at_compound: int = 0
    resolution_seconds: int = 0
    by_category: dict[DisputeCategory, int] = field(default_factory=lambda: defaultdict(int))
    by_level: dict[AreaLevel, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def open(self) -> int:
        return self.total - self.resolved - self.failed

    @property
    def resolution_rate(self) -> float | None:
        ended = self.resolved + self.failed
        return self.resolved / ended if ended else None

    @property
    def resolved_at_compound_rate(self) -> float | None:
        return self.resolved_at_compound / self.resolved if self.resolved else None

    @property
    def average_days_to_resolve(self) -> float | None:
        return self.resolution_seconds / self.resolved / SECONDS_PER_DAY if self.resolved else None

    def categories(self) -> list[tuple[DisputeCategory, int]]:
        return [(c, self.by_category[c]) for c in DisputeCategory if self.by_category.get(c)]

    def levels(self) -> list[tuple[AreaLevel, int]]:
        return [(lv, self.by_level[lv]) for lv in reversed(LEVELS) if self.by_level.get(lv)]


def period_q(frm: dt.datetime | None, to: dt.datetime | None) -> Q:
    parts = []
    if frm is not None:
        parts.append(Q(reported_at__gte=frm))
    if to is not None:
        parts.append(Q(reported_at__lt=to))
    return Q(*parts) if parts else Q()


def _enum(cls, value):
    return value if isinstance(value, cls) or value is None else cls(value)


async def tallies(
    viewer: Viewer, column: str, area_ids: list[int], frm: dt.datetime | None, to: dt.datetime | None
) -> dict[int, Tally]:
    """A Tally per area id, for areas whose lineage column ``column`` (e.g. community_ref) holds the id."""
    out = {area_id: Tally() for area_id in area_ids}
    if not area_ids:
        return out
    groups = (column, "category", "handling_level", "outcome", "resolved_level")
    rows = await (
        visible(viewer, DisputeCase)
        .filter(period_q(frm, to), **{f"{column}__in": sorted(set(area_ids))})
        .annotate(n=Count("id"), secs=Sum("resolution_seconds"))
        .group_by(*groups)
        .values(*groups, "n", "secs")
    )
    for row in rows:
        tally = out[row[column]]
        n = row["n"]
        outcome = _enum(DisputeStatus, row["outcome"])
        tally.total += n
        tally.by_category[_enum(DisputeCategory, row["category"])] += n
        tally.by_level[_enum(AreaLevel, row["handling_level"])] += n
        if outcome == DisputeStatus.RESOLVED:
            tally.resolved += n
            tally.resolution_seconds += int(row["secs"] or 0)
            if _enum(AreaLevel, row["resolved_level"]) == AreaLevel.COMPOUND:
                tally.resolved_at_compound += n
        elif outcome == DisputeStatus.FAILED:
            tally.failed += n
    return out


async def resolved_in_period(
    viewer: Viewer, column: str, area_ids: list[int], frm: dt.datetime | None, to: dt.datetime | None
) -> dict[int, int]:
    """Cases settled by an agreement with resolvedAt in [frm, to), per area id, whatever their report date."""
    rows = await (
        visible(viewer, DisputeCase)
        .filter(
            _resolved_q(frm, to), outcome=DisputeStatus.RESOLVED, **{f"{column}__in": sorted(set(area_ids))}
        )
        .annotate(n=Count("id"))
        .group_by(column)
        .values(column, "n")
    )
    found = {row[column]: row["n"] for row in rows}
    return {area_id: found.get(area_id, 0) for area_id in area_ids}


def _resolved_q(frm: dt.datetime | None, to: dt.datetime | None) -> Q:
    parts = [Q(resolved_at__isnull=False)]
    if frm is not None:
        parts.append(Q(resolved_at__gte=frm))
    if to is not None:
        parts.append(Q(resolved_at__lt=to))
    return Q(*parts)
