"""Which volunteer rows a viewer may see (registered with core's permission layer).

Staff see what lies below their ``volunteers.read`` grants. A resident sees
their own profile and those of their household (as core shows household
members), the teams and activities of their community and of the areas above
it (those they could join), and their own signups and service logs.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery

from core.access import register_policy
from core.enums import ResidentStatus
from core.permissions import Viewer
from plugins.volunteers import models as vm
from plugins.volunteers.permissions import READ


def _any(*parts: Q) -> Q:
    parts = tuple(p for p in parts if p is not None)
    return Q(*parts, join_type="OR") if len(parts) > 1 else parts[0]


def _neighbourhood(viewer: Viewer) -> Q | None:
    """Rows of the resident's own community, or tied to an area above it."""
    if not viewer.resident_lineage:
        return None
    ids = list(viewer.resident_lineage)
    return Q(Q(community_ref__in=ids), Q(area_id__in=ids), join_type="OR")


@register_policy(vm.Volunteer)
def _volunteer_policy(viewer: Viewer) -> Q:
    own: list[Q] = []
    if viewer.resident_id:
        own.append(Q(resident_id=viewer.resident_id))
    if viewer.resident_unit_id:
        own.append(Q(resident__unit_id=viewer.resident_unit_id, resident__status=ResidentStatus.ACTIVE))
    return _any(viewer.scope(READ).q(), *own)


@register_policy(vm.VolunteerTeam)
def _team_policy(viewer: Viewer) -> Q:
    near = _neighbourhood(viewer)
    mine = (Q(id__in=Subquery(vm.TeamMembership.filter(volunteer__resident_id=viewer.resident_id)
                              .values("team_id"))) if viewer.resident_id else None)
    return _any(viewer.scope(READ).q(), near, mine)


@register_policy(vm.TeamMembership)
def _membership_policy(viewer: Viewer) -> Q:
    own = Q(volunteer__resident_id=viewer.resident_id) if viewer.resident_id else None
    # Both ends must be readable, or a member would show up as an unreadable volunteer.
    scope = viewer.scope(READ)
    return _any(Q(scope.q(), scope.q("volunteer__")), own)


@register_policy(vm.VolunteerActivity)
def _activity_policy(viewer: Viewer) -> Q:
    near = _neighbourhood(viewer)
    mine = (Q(id__in=Subquery(vm.ActivitySignup.filter(volunteer__resident_id=viewer.resident_id)
                              .values("activity_id"))) if viewer.resident_id else None)
    return _any(viewer.scope(READ).q(), near, mine)


@register_policy(vm.ActivitySignup)
def _signup_policy(viewer: Viewer) -> Q:
    own = Q(volunteer__resident_id=viewer.resident_id) if viewer.resident_id else None
    scope = viewer.scope(READ)
    return _any(Q(scope.q(), scope.q("volunteer__")), own)


@register_policy(vm.ServiceLog)
def _service_log_policy(viewer: Viewer) -> Q:
    own = Q(volunteer__resident_id=viewer.resident_id) if viewer.resident_id else None
    return _any(viewer.scope(READ).q(), own) if own is not None else viewer.scope(READ).q()
