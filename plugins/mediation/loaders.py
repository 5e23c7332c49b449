"""Per-request DataLoaders for the plugin's fields (one statement per field per request).

A case is only ever reached through ``core.access.visible``; its parties,
team, sessions, follow-ups and events are then loaded by case id without a
second permission filter. The users named on a case (team, owner, actors)
and the case's area are shown as context of a case the viewer may read, so
they are loaded unscoped, like core shows a grant's area.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from strawberry.types import Info
from tortoise.models import Model

from core import models as m
from core.access import visible
from plugins.mediation.models import (
    DisputeCase,
    DisputeCaseEvent,
    DisputeParty,
    FollowUp,
    MediationSession,
    MediationTeamMember,
)
from plugins.mediation.services import stats

NS = "mediation"


def _loaders(info: Info):
    return info.context.loaders


def case_children(info: Info, model: type[Model], order: tuple[str, ...]):
    async def batch(case_ids: list[int]) -> list[list[Model]]:
        groups: dict[int, list[Model]] = defaultdict(list)
        for row in await model.filter(case_id__in=sorted(set(case_ids))).order_by(*order):
            groups[row.case_id].append(row)
        return [groups.get(i, []) for i in case_ids]

    return _loaders(info).custom((NS, "children", model.__name__), batch)


def parties(info: Info):
    return case_children(info, DisputeParty, ("id",))


def team(info: Info):
    return case_children(info, MediationTeamMember, ("id",))


def sessions(info: Info):
    return case_children(info, MediationSession, ("held_at", "id"))


def follow_ups(info: Info):
    return case_children(info, FollowUp, ("due_on", "id"))


def events(info: Info):
    return case_children(info, DisputeCaseEvent, ("at", "id"))


def users(info: Info):
    return _loaders(info).context_by_id(m.User)


def areas(info: Info):
    return _loaders(info).context_by_id(m.Area)


def resident_cases(info: Info):
    """Visible cases where each resident is a party, newest first."""
    viewer = info.context.viewer

    async def batch(resident_ids: list[int]) -> list[list[DisputeCase]]:
        links = await DisputeParty.filter(resident_id__in=sorted(set(resident_ids))).values(
            "resident_id", "case_id"
        )
        case_ids = sorted({link["case_id"] for link in links})
        cases = {}
        if case_ids:
            rows = await visible(viewer, DisputeCase).filter(id__in=case_ids).order_by("-reported_at", "-id")
            cases = {c.id: (pos, c) for pos, c in enumerate(rows)}
        groups: dict[int, set[int]] = defaultdict(set)
        for link in links:
            if link["case_id"] in cases:
                groups[link["resident_id"]].add(link["case_id"])
        return [
            [cases[i][1] for i in sorted(groups.get(r, ()), key=lambda i: cases[i][0])] for r in resident_ids
        ]

    return _loaders(info).custom((NS, "resident_cases"), batch)


def community_stats(info: Info, frm: dt.datetime | None, to: dt.datetime | None):
    viewer = info.context.viewer

    async def batch(community_ids: list[int]):
        found = await stats.tallies(viewer, "community_ref", community_ids, frm, to)
        return [found[i] for i in community_ids]

    return _loaders(info).custom((NS, "community_stats", frm, to), batch)
