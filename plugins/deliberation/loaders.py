"""Per-request DataLoaders for the plugin's nested fields: one statement per field per request.

Topics, meetings, decisions and charter documents are read through ``core.access.visible``;
the parts of a visible meeting or decision (participants, agenda, action items) are then loaded
by its id without a second filter. People and organisations named on a meeting or an action item
(chair, owners, participants' accounts) are context of a row the viewer may read and are loaded
unscoped, like core shows a grant's area; residents stay under core's Resident policy.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from strawberry.types import Info
from tortoise.models import Model

from core import models as m
from core.access import visible
from plugins.deliberation import stats
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

NS = "deliberation"


def _custom(info: Info, key, batch):
    return info.context.loaders.custom((NS, *key), batch)


def _grouped(info: Info, name: str, model: type[Model], fk: str, order: tuple[str, ...], *, scoped: bool):
    async def batch(keys: list[int]) -> list[list[Model]]:
        qs = visible(info.context.viewer, model) if scoped else model.all()
        groups: dict[int, list[Model]] = defaultdict(list)
        for row in await qs.filter(**{f"{fk}__in": sorted(set(keys))}).order_by(*order):
            groups[getattr(row, fk)].append(row)
        return [groups.get(k, []) for k in keys]

    return _custom(info, (name,), batch)


def participants(info: Info):
    return _grouped(info, "participants", MeetingParticipant, "meeting_id", ("position",), scoped=False)


def action_items(info: Info):
    return _grouped(info, "action_items", ActionItem, "decision_id", ("position", "id"), scoped=False)


def meeting_decisions(info: Info):
    return _grouped(
        info, "meeting_decisions", DeliberationDecision, "meeting_id", ("decided_at", "id"), scoped=True
    )


def charter_documents(info: Info):
    """Visible documents per area, newest adoption first."""
    return _grouped(
        info, "charter_documents", CharterDocument, "area_id", ("-adopted_on", "-id"), scoped=True
    )


def venues(info: Info):
    async def batch(area_ids: list[int]) -> list[MeetingVenue | None]:
        rows = await visible(info.context.viewer, MeetingVenue).filter(area_id__in=sorted(set(area_ids)))
        found = {r.area_id: r for r in rows}
        return [found.get(i) for i in area_ids]

    return _custom(info, ("venues",), batch)


def agenda(info: Info):
    """The visible topics on each meeting's agenda, in agenda order."""

    async def batch(meeting_ids: list[int]) -> list[list[DeliberationTopic]]:
        links = (
            await AgendaItem.filter(meeting_id__in=sorted(set(meeting_ids)))
            .order_by("position", "id")
            .values("meeting_id", "topic_id")
        )
        topic_ids = sorted({link["topic_id"] for link in links})
        topics = (
            {t.id: t for t in await visible(info.context.viewer, DeliberationTopic).filter(id__in=topic_ids)}
            if topic_ids
            else {}
        )
        groups: dict[int, list[DeliberationTopic]] = defaultdict(list)
        for link in links:
            if link["topic_id"] in topics:
                groups[link["meeting_id"]].append(topics[link["topic_id"]])
        return [groups.get(i, []) for i in meeting_ids]

    return _custom(info, ("agenda",), batch)


def latest_decision(info: Info):
    """Each topic's most recent decision the viewer may read."""

    async def batch(topic_ids: list[int]) -> list[DeliberationDecision | None]:
        found: dict[int, DeliberationDecision] = {}
        rows = (
            await visible(info.context.viewer, DeliberationDecision)
            .filter(topic_id__in=sorted(set(topic_ids)))
            .order_by("decided_at", "id")
        )
        for row in rows:
            found[row.topic_id] = row  # the last one wins
        return [found.get(i) for i in topic_ids]

    return _custom(info, ("latest_decision",), batch)


def supported_by_me(info: Info):
    resident_id = info.context.viewer.resident_id

    async def batch(topic_ids: list[int]) -> list[bool]:
        if not resident_id:
            return [False for _ in topic_ids]
        mine = set(
            await TopicSupport.filter(
                resident_id=resident_id, topic_id__in=sorted(set(topic_ids))
            ).values_list("topic_id", flat=True)
        )
        return [i in mine for i in topic_ids]

    return _custom(info, ("supported_by_me",), batch)


def raised_topics(info: Info):
    """Visible topics each resident raised, newest first."""

    async def batch(resident_ids: list[int]) -> list[list[DeliberationTopic]]:
        groups: dict[int, list[DeliberationTopic]] = defaultdict(list)
        rows = (
            await visible(info.context.viewer, DeliberationTopic)
            .filter(raised_by_id__in=sorted(set(resident_ids)))
            .order_by("-raised_at", "-id")
        )
        for row in rows:
            groups[row.raised_by_id].append(row)
        return [groups.get(i, []) for i in resident_ids]

    return _custom(info, ("raised_topics",), batch)


def topics(info: Info):
    return info.context.loaders.by_id(DeliberationTopic)


def meetings(info: Info):
    return info.context.loaders.by_id(DeliberationMeeting)


def users(info: Info):
    return info.context.loaders.context_by_id(m.User)


def organizations(info: Info):
    return info.context.loaders.context_by_id(m.Organization)


def residents(info: Info):
    return info.context.loaders.by_id(m.Resident)


def areas(info: Info):
    return info.context.loaders.context_by_id(m.Area)


def community_stats(info: Info, frm: dt.datetime | None, to: dt.datetime | None):
    viewer = info.context.viewer

    async def batch(community_ids: list[int]):
        found = await stats.tallies(viewer, "community_ref", community_ids, frm, to)
        return [found[i] for i in community_ids]

    return _custom(info, ("community_stats", frm, to), batch)
