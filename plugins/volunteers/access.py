"""The plugin's permissions and roles, and which volunteer rows a viewer may see (its access policies).

Staff see what lies below their ``volunteers.read`` grants. A resident sees
their own profile and those of their household (as core shows household
members), the teams and activities of their community and of the areas above
it (those they could join), and their own signups and service logs.
"""

from __future__ import annotations

from tortoise.expressions import Subquery

from core.enums import ResidentStatus
from core.permissions import RoleDef, Viewer
from core.scopes import RowScope, any_of, where
from plugins.volunteers import models as vm

READ = "volunteers.read"
MANAGE = "volunteers.manage"
SIGNUP = "volunteers.signup"

PERMISSIONS = {
    READ: "Read volunteers, teams, activities, signups, hours and statistics of the area.",
    MANAGE: "Register volunteers, run teams and activities, sign anyone in scope up, check in and out, verify hours.",
    SIGNUP: "Sign oneself up for (and out of) activities and check oneself in and out (residents).",
}

ROLES = [
    RoleDef(
        "volunteer_coordinator",
        "Volunteer coordinator (志愿服务站负责人): runs volunteers, teams and activities of the area.",
        frozenset({"area.read", "resident.read", READ, MANAGE, SIGNUP}),
    ),
    RoleDef("area_manager", "", frozenset({READ, MANAGE, SIGNUP})),
    RoleDef("community_worker", "", frozenset({READ, MANAGE, SIGNUP})),
    RoleDef("grid_worker", "", frozenset({READ})),
    RoleDef("resident", "", frozenset({SIGNUP})),
]


def _neighbourhood(viewer: Viewer) -> RowScope | None:
    """Rows of the resident's own community, or tied to an area above it."""
    if not viewer.resident_lineage:
        return None
    ids = list(viewer.resident_lineage)
    return where(community_ref__in=ids) | where(area_id__in=ids)


def _own(viewer: Viewer) -> RowScope | None:
    return where(volunteer__resident_id=viewer.resident_id) if viewer.resident_id else None


def _volunteer_policy(viewer: Viewer) -> RowScope:
    return any_of(
        viewer.scope(READ).rows(),
        where(resident_id=viewer.resident_id) if viewer.resident_id else None,
        where(resident__unit_id=viewer.resident_unit_id, resident__status=ResidentStatus.ACTIVE)
        if viewer.resident_unit_id
        else None,
    )


def _team_policy(viewer: Viewer) -> RowScope:
    mine = (
        where(
            id__in=Subquery(
                vm.TeamMembership.filter(volunteer__resident_id=viewer.resident_id).values("team_id")
            )
        )
        if viewer.resident_id
        else None
    )
    return any_of(viewer.scope(READ).rows(), _neighbourhood(viewer), mine)


def _membership_policy(viewer: Viewer) -> RowScope:
    # Both ends must be readable, or a member would show up as an unreadable volunteer.
    scope = viewer.scope(READ)
    return any_of(scope.rows() & scope.rows("volunteer__"), _own(viewer))


def _activity_policy(viewer: Viewer) -> RowScope:
    mine = (
        where(
            id__in=Subquery(
                vm.ActivitySignup.filter(volunteer__resident_id=viewer.resident_id).values("activity_id")
            )
        )
        if viewer.resident_id
        else None
    )
    return any_of(viewer.scope(READ).rows(), _neighbourhood(viewer), mine)


def _signup_policy(viewer: Viewer) -> RowScope:
    scope = viewer.scope(READ)
    return any_of(scope.rows() & scope.rows("volunteer__"), _own(viewer))


def _service_log_policy(viewer: Viewer) -> RowScope:
    return any_of(viewer.scope(READ).rows(), _own(viewer))


# Registered through lastmile_access_policies (plugin.py).
POLICIES = {
    vm.Volunteer: _volunteer_policy,
    vm.VolunteerTeam: _team_policy,
    vm.TeamMembership: _membership_policy,
    vm.VolunteerActivity: _activity_policy,
    vm.ActivitySignup: _signup_policy,
    vm.ServiceLog: _service_log_policy,
}
