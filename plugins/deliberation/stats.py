"""DeliberationStats computed in the database: three grouped aggregate statements per batch of
areas (topics by status, held meetings by kind, open action items), whatever the number of rows.

Definitions (rows the viewer may read, at or below the area; periods half-open [from, to)):
- topics are those *raised* in the period: topicsRaised all of them, topicsDone / topicsDeclined
  those now DONE / DECLINED; handledRate = (DONE + DECLINED) / topicsRaised (the report's 处理率),
  resolvedRate = DONE / topicsRaised, both null without topics; averageDaysToDone the mean of
  raisedAt -> doneAt over the DONE ones (null when none);
- meetings are those *scheduled* in the period and HELD: meetingsHeld, meetingsByKind (kinds with
  a held meeting, in enum order), attendance = participants who attended them;
- action items are the follow-through of the period's topics: actionItemsOpen = OPEN ones,
  actionItemsOverdue = OPEN ones whose dueOn is before the district's today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from core import clock
from core.access import visible
from core.permissions import Viewer
from plugins.deliberation.enums import ActionItemStatus, MeetingKind, MeetingStatus, TopicStatus
from plugins.deliberation.models import ActionItem, DeliberationMeeting, DeliberationTopic

SECONDS_PER_DAY = 86400.0


@dataclass
class Tally:
    meetings_held: int = 0
    by_kind: dict[MeetingKind, int] = field(default_factory=lambda: defaultdict(int))
    attendance: int = 0
    topics_raised: int = 0
    topics_done: int = 0
    topics_declined: int = 0
    done_seconds: int = 0
    action_items_open: int = 0
    action_items_overdue: int = 0

    def _share(self, n: int) -> float | None:
        return n / self.topics_raised if self.topics_raised else None

    @property
    def handled_rate(self) -> float | None:
        return self._share(self.topics_done + self.topics_declined)

    @property
    def resolved_rate(self) -> float | None:
        return self._share(self.topics_done)

    @property
    def average_days_to_done(self) -> float | None:
        return self.done_seconds / self.topics_done / SECONDS_PER_DAY if self.topics_done else None

    def kinds(self) -> list[tuple[MeetingKind, int]]:
        return [(k, self.by_kind[k]) for k in MeetingKind if self.by_kind.get(k)]


def _period(column: str, frm: dt.datetime | None, to: dt.datetime | None, prefix: str = "") -> Q:
    parts = []
    if frm is not None:
        parts.append(Q(**{f"{prefix}{column}__gte": frm}))
    if to is not None:
        parts.append(Q(**{f"{prefix}{column}__lt": to}))
    return Q(*parts) if parts else Q()


def _enum(cls, value):
    return value if isinstance(value, cls) or value is None else cls(value)


async def tallies(
    viewer: Viewer,
    column: str,
    area_ids: list[int],
    frm: dt.datetime | None,
    to: dt.datetime | None,
    today: dt.date | None = None,
) -> dict[int, Tally]:
    """A Tally per area id, for areas whose lineage column ``column`` (e.g. community_ref) holds the id."""
    out = {area_id: Tally() for area_id in area_ids}
    if not area_ids:
        return out
    ids = {f"{column}__in": sorted(set(area_ids))}
    topics = await (
        visible(viewer, DeliberationTopic)
        .filter(_period("raised_at", frm, to), **ids)
        .annotate(n=Count("id"), secs=Sum("done_seconds"))
        .group_by(column, "status")
        .values(column, "status", "n", "secs")
    )
    for row in topics:
        t, status, n = out[row[column]], _enum(TopicStatus, row["status"]), row["n"]
        t.topics_raised += n
        if status == TopicStatus.DONE:
            t.topics_done += n
            t.done_seconds += int(row["secs"] or 0)
        elif status == TopicStatus.DECLINED:
            t.topics_declined += n
    meetings = await (
        visible(viewer, DeliberationMeeting)
        .filter(_period("scheduled_at", frm, to), status=MeetingStatus.HELD, **ids)
        .annotate(n=Count("id"), people=Sum("attendance"))
        .group_by(column, "kind")
        .values(column, "kind", "n", "people")
    )
    for row in meetings:
        t = out[row[column]]
        t.meetings_held += row["n"]
        t.by_kind[_enum(MeetingKind, row["kind"])] += row["n"]
        t.attendance += int(row["people"] or 0)
    today = today or clock.today()
    items = await (
        visible(viewer, ActionItem)
        .filter(_period("raised_at", frm, to, "topic__"), status=ActionItemStatus.OPEN, **ids)
        .annotate(n=Count("id"), late=Count("id", _filter=Q(due_on__lt=today)))
        .group_by(column)
        .values(column, "n", "late")
    )
    for row in items:
        t = out[row[column]]
        t.action_items_open += row["n"]
        t.action_items_overdue += row["late"]
    return out
