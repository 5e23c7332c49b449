"""Who may read, report and manage dispute cases.

- Staff read cases inside the scope of ``mediation.case.read`` and manage them
  inside the scope of ``mediation.case.manage`` (the case's area lineage).
- A resident (a user linked to a resident record) reads the cases where they
  are a party, and those they reported themselves.
- Out-of-scope cases are simply absent (core.access.visible): they read as
  null / NOT_FOUND and are never counted.

Team members must be *covered* by the case's area: hold a grant whose role
carries ``mediation.case.read`` over the case's area (superusers always are),
so that whoever is assigned can open the case they are notified about.
"""

from __future__ import annotations

from tortoise.expressions import Subquery

from core import models as m
from core.access import visible
from core.enums import AreaLevel
from core.permissions import RoleDef, Scope, Viewer
from core.scopes import NOWHERE, RowScope, any_of, where
from plugins.mediation.enums import DisputeCaseAction
from plugins.mediation.models import (
    CaseCounter,
    DisputeCase,
    DisputeCaseEvent,
    DisputeParty,
    FollowUp,
    MediationSession,
    MediationTeamMember,
)

READ = "mediation.case.read"
REPORT = "mediation.case.report"
MANAGE = "mediation.case.manage"

# What a case's team members and owner may do without mediation.case.manage.
TEAM_ACTIONS = frozenset({DisputeCaseAction.RECORD_SESSION, DisputeCaseAction.COMPLETE_FOLLOW_UP})

PERMISSIONS = {
    READ: "Read dispute cases of the area, with parties, team, sessions and statistics.",
    REPORT: "Report disputes in the area.",
    MANAGE: "Accept, assign, escalate, resolve, fail and close dispute cases of the area.",
}

_EVERYTHING = frozenset({READ, REPORT, MANAGE})
ROLES = [
    RoleDef(
        "mediator",
        "People's mediator (民调员): reports, reads and works dispute cases of the area; "
        "may be put on 4+A teams.",
        _EVERYTHING | {"area.read", "resident.read"},
    ),
    RoleDef("area_manager", "", _EVERYTHING),
    RoleDef("community_worker", "", _EVERYTHING),
    # Grid leaders hear of disputes first on their rounds: they report and read, the community manages.
    RoleDef("grid_worker", "", frozenset({READ, REPORT})),
    RoleDef("resident", "", frozenset({REPORT})),
]


def case_policy(viewer: Viewer) -> RowScope:
    return any_of(
        viewer.scope(READ).rows(),
        where(id__in=Subquery(DisputeParty.filter(resident_id=viewer.resident_id).values("case_id")))
        if viewer.resident_id
        else None,
        where(reported_by_id=viewer.user_id) if viewer.user_id else None,
    )


def _of_visible_cases(viewer: Viewer) -> RowScope:
    return where(case_id__in=Subquery(visible(viewer, DisputeCase).values("id")))


# A case's parts are readable with the case. The plugin's own loaders fetch them by the id of a
# case already read through ``visible``, so they skip this second filter; these policies serve
# anyone else who queries the parts through core.access.visible.
_CASE_PARTS = (DisputeParty, MediationTeamMember, MediationSession, FollowUp, DisputeCaseEvent)


def _counter_policy(viewer: Viewer) -> RowScope:
    return NOWHERE


def is_staff_reader(viewer: Viewer, case: DisputeCase) -> bool:
    """Reads the case through their grants (not only as a party or its reporter)."""
    return viewer.can(READ, case)


def can_report(viewer: Viewer, area: m.Area) -> bool:
    """Staff holding mediation.case.report over the area, or a resident in their own community (or below)."""
    if viewer.can(REPORT, area):
        return True
    return bool(viewer.resident_id and area.community_ref and area.community_ref in viewer.resident_lineage)


async def is_on_team(case: DisputeCase, user_id: int | None) -> bool:
    if user_id is None:
        return False
    if case.case_owner_id == user_id:
        return True
    return await MediationTeamMember.filter(case_id=case.id, user_id=user_id).exists()


async def covered_users(registry, user_ids: list[int], case: DisputeCase) -> set[int]:
    """Those of ``user_ids`` (active accounts) whose grants give mediation.case.read over the case's area."""
    if not user_ids:
        return set()
    users = await m.User.filter(id__in=list(set(user_ids)), is_active=True).values("id", "is_superuser")
    covered = {u["id"] for u in users if u["is_superuser"]}
    candidates = {u["id"] for u in users} - covered
    if not candidates:
        return covered
    roots: dict[int, list[tuple[AreaLevel, int]]] = {}
    grants = await m.RoleGrant.filter(user_id__in=sorted(candidates)).values(
        "user_id", "role", "area_id", "area__level"
    )
    for g in grants:
        role = registry.get(g["role"])
        if role is None or READ not in registry.expand(role):
            continue
        roots.setdefault(g["user_id"], []).append((AreaLevel(g["area__level"]), g["area_id"]))
    for user_id, user_roots in roots.items():
        if Scope(roots=tuple(user_roots)).covers(case):
            covered.add(user_id)
    return covered


# Registered through lastmile_access_policies (plugin.py).
POLICIES = {
    DisputeCase: case_policy,
    CaseCounter: _counter_policy,
    **{part: _of_visible_cases for part in _CASE_PARTS},
}
