"""The permission layer: which rows of a model a viewer may see.

One policy per model, registered here (core's below, plugins' with
:func:`register_policy`). Every query, loader, connection, count and ``node``
lookup goes through :func:`visible`, so an out-of-scope row is simply absent:
it reads as not found and is never counted.
"""

from __future__ import annotations

from collections.abc import Callable

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core import models as m
from core.enums import ResidentStatus, lineage_column
from core.permissions import Viewer

Policy = Callable[[Viewer], Q]
_POLICIES: dict[type[Model], Policy] = {}

NOTHING = Q(id__in=[])


def register_policy(model: type[Model]):
    def deco(fn: Policy) -> Policy:
        _POLICIES[model] = fn
        return fn

    return deco


def policy_q(viewer: Viewer, model: type[Model]) -> Q:
    try:
        policy = _POLICIES[model]
    except KeyError:
        raise LookupError(f"no access policy registered for {model.__name__}") from None
    return policy(viewer)


def below(area: m.Area | None, prefix: str = "") -> Q:
    """Rows (with lineage columns) at or below ``area``; no rows for None."""
    if area is None:
        return NOTHING
    return Q(**{f"{prefix}{lineage_column(area.level)}": area.id})


def visible(viewer: Viewer, model: type[Model]) -> QuerySet:
    """``model``'s rows the viewer may read."""
    return model.filter(policy_q(viewer, model))


@register_policy(m.Area)
def _area_policy(viewer: Viewer) -> Q:
    if viewer.is_superuser:
        return Q()
    q = viewer.scope("area.read").q()
    above = viewer.visible_ancestor_ids()
    return Q(q, Q(id__in=sorted(above)), join_type="OR") if above else q


@register_policy(m.Unit)
def _unit_policy(viewer: Viewer) -> Q:
    q = viewer.scope("area.read").q()
    if viewer.resident_unit_id:
        return Q(q, Q(id=viewer.resident_unit_id), join_type="OR")
    return q


@register_policy(m.Resident)
def _resident_policy(viewer: Viewer) -> Q:
    q = viewer.scope("resident.read").q()
    own: list[Q] = []
    if viewer.resident_id:
        own.append(Q(id=viewer.resident_id))
    if viewer.resident_unit_id:
        own.append(Q(unit_id=viewer.resident_unit_id, status=ResidentStatus.ACTIVE))
    return Q(q, *own, join_type="OR") if own else q


@register_policy(m.Organization)
def _organization_policy(viewer: Viewer) -> Q:
    # Partner organisations are public bodies, not personal data: anyone who
    # may read organisations anywhere sees the directory.
    return Q() if viewer.can("organization.read") else NOTHING


@register_policy(m.User)
def _user_policy(viewer: Viewer) -> Q:
    if viewer.is_superuser:
        return Q()
    scope = viewer.scope("user.manage")
    own = Q(id=viewer.user_id) if viewer.user_id else NOTHING
    if scope.empty:
        return own
    return Q(own, scope.q("home_area__"), join_type="OR")


@register_policy(m.Notification)
def _notification_policy(viewer: Viewer) -> Q:
    return Q(user_id=viewer.user_id) if viewer.user_id else NOTHING


@register_policy(m.PartnerLink)
def _partner_link_policy(viewer: Viewer) -> Q:
    # The community end is filtered again by the Area policy when loaded.
    return _organization_policy(viewer)


@register_policy(m.RoleGrant)
def _role_grant_policy(viewer: Viewer) -> Q:
    """The viewer's own grants, and those of the users they manage over areas they may see.

    A managed user's grant over an area outside the viewer's sight is left out,
    like the area itself: out of scope reads as not there."""
    if viewer.is_superuser:
        return Q()
    own = Q(user_id=viewer.user_id) if viewer.user_id else NOTHING
    scope = viewer.scope("user.manage")
    if scope.empty:
        return own
    area_seen = viewer.scope("area.read").q("area__")
    above = viewer.visible_ancestor_ids()
    if above:
        area_seen = Q(area_seen, Q(area_id__in=sorted(above)), join_type="OR")
    return Q(own, Q(scope.q("user__home_area__"), area_seen), join_type="OR")


def staff_directory(viewer: Viewer) -> Q:
    """Accounts a staff console may list (Query.users): those the User policy shows, plus
    active colleagues holding a role over an area the viewer may read, so that a case owner
    or a volunteer coordinator can pick mediators and team members without user.manage.
    Only the account itself is listed; its grants stay under the RoleGrant policy."""
    if viewer.is_superuser:
        return Q()
    area_scope = viewer.scope("area.read")
    if area_scope.empty:
        return _user_policy(viewer)
    colleagues = Q(area_scope.q("grants__area__"), Q(is_active=True))
    return Q(_user_policy(viewer), colleagues, join_type="OR")


@register_policy(m.AuditLog)
def _audit_policy(viewer: Viewer) -> Q:
    """Entries of accounts whose home area lies in the viewer's audit.read scope (superusers: all)."""
    if viewer.is_superuser:
        return Q()
    scope = viewer.scope("audit.read")
    if scope.empty:
        return NOTHING
    return Q(actor_id__in=Subquery(m.User.filter(scope.q("home_area__")).values("id")))
