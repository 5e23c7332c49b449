"""Who may read and act on deliberation.

- Staff read topics, meetings, decisions, action items and charters inside the scope of
  ``deliberation.read`` and run deliberation (charters, venues, meetings, decisions,
  declines, any action item) inside the scope of ``deliberation.manage``; staff holding
  ``deliberation.topic.raise`` raise topics for the area.
- A resident (a user linked to an active resident record) reads what belongs to where they
  live: rows whose area is their compound or their community (or their building, the district
  above...: any area of their own lineage), raises topics there and supports them.
- The owner of an action item (the user, or a user acting for the owning organisation, as
  ``host.organization_users`` answers) reads and completes it.
- Everything else is absent (core.access.visible): null / NOT_FOUND, never counted.
"""

from __future__ import annotations

from tortoise.expressions import Subquery

from core import models as m
from core.access import visible
from core.enums import AreaLevel
from core.permissions import Viewer
from core.scopes import NOWHERE, RowScope, any_of, where
from plugins.deliberation.models import (
    ActionItem,
    AgendaItem,
    CharterDocument,
    DeliberationDecision,
    DeliberationMeeting,
    DeliberationTopic,
    MeetingParticipant,
    MeetingVenue,
    TopicSupport,
)

READ = "deliberation.read"
MANAGE = "deliberation.manage"
RAISE = "deliberation.topic.raise"

PERMISSIONS = {
    READ: "Read deliberation topics, meetings, decisions, action items and 1+1+1 charters of the area.",
    MANAGE: "Adopt charters, set venues, plan, hold and cancel meetings, record decisions, decline topics and "
    "complete any action item of the area.",
    RAISE: "Raise deliberation topics for the area on residents' behalf.",
}

# Where topics are raised, meetings held and charters kept.
DELIBERATING_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.COMPOUND)


def _home(viewer: Viewer, column: str = "area_id") -> RowScope | None:
    """Rows of an area the viewer lives in (their compound, their community ...)."""
    lineage = sorted(viewer.resident_lineage)
    return where(**{f"{column}__in": lineage}) if lineage else None


def area_rows_policy(viewer: Viewer) -> RowScope:
    return any_of(viewer.scope(READ).rows(), _home(viewer))


def action_item_policy(viewer: Viewer) -> RowScope:
    return any_of(
        viewer.scope(READ).rows(),
        _home(viewer),
        where(owner_user_id=viewer.user_id) if viewer.user_id else None,
    )


def _of_visible_meetings(viewer: Viewer) -> RowScope:
    return where(meeting_id__in=Subquery(visible(viewer, DeliberationMeeting).values("id")))


def _supports_policy(viewer: Viewer) -> RowScope:
    # Who supports what is not shown to anyone; the count is on the topic, one's own support
    # is read by resident id (supportedByMe).
    return where(resident_id=viewer.resident_id) if viewer.resident_id else NOWHERE


def lives_in(viewer: Viewer, area: m.Area) -> bool:
    return bool(viewer.resident_id) and area.id in viewer.resident_lineage


def can_raise(viewer: Viewer, area: m.Area) -> bool:
    """Staff with deliberation.topic.raise or .manage over the area, or a resident where they live."""
    return viewer.can(RAISE, area) or viewer.can(MANAGE, area) or lives_in(viewer, area)


# Registered through lastmile_access_policies (plugin.py).
POLICIES = {
    DeliberationTopic: area_rows_policy,
    DeliberationMeeting: area_rows_policy,
    DeliberationDecision: area_rows_policy,
    CharterDocument: area_rows_policy,
    MeetingVenue: area_rows_policy,
    ActionItem: action_item_policy,
    MeetingParticipant: _of_visible_meetings,
    AgendaItem: _of_visible_meetings,
    TopicSupport: _supports_policy,
}
