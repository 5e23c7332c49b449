"""The permission layer: which rows of a model a viewer may see.

One policy per model, registered here (core's below, plugins' with
:func:`register_policy`). Every query, loader, connection, count and ``node``
lookup goes through :func:`visible`, so an out-of-scope row is simply absent:
it reads as not found and is never counted.
"""

from __future__ import annotations

from collections.abc import Callable

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core import models as m
from core.enums import ResidentStatus, lineage_column
from core.permissions import Viewer
from core.scopes import EVERYWHERE, NOWHERE, RowScope, any_of, where

# A policy answers, for one model, which rows a viewer may read (a core.scopes value:
# EVERYWHERE, NOWHERE or where(...), composed with | and &).
Policy = Callable[[Viewer], RowScope]
_POLICIES: dict[type[Model], Policy] = {}

NOTHING = NOWHERE.q()


def register_policy(model: type[Model]):
    def deco(fn: Policy) -> Policy:
        _POLICIES[model] = fn
        return fn

    return deco


def policy_scope(viewer: Viewer, model: type[Model]) -> RowScope:
    """The rows of ``model`` the viewer may read, as a composable value."""
    try:
        policy = _POLICIES[model]
    except KeyError:
        raise LookupError(f"no access policy registered for {model.__name__}") from None
    scope = policy(viewer)
    if not isinstance(scope, RowScope):
        raise TypeError(f"the access policy for {model.__name__} returned {type(scope).__name__}, "
                        "not a core.scopes value (EVERYWHERE, NOWHERE or where(...))")
    return scope


def policy_q(viewer: Viewer, model: type[Model]) -> Q:
    """The same as a tortoise filter, for ``Model.filter(...)`` and subqueries."""
    return policy_scope(viewer, model).q()


def below(area: m.Area | None, prefix: str = "") -> Q:
    """Rows (with lineage columns) at or below ``area``; no rows for None."""
    if area is None:
        return NOTHING
    return Q(**{f"{prefix}{lineage_column(area.level)}": area.id})


def visible(viewer: Viewer, model: type[Model]) -> QuerySet:
    """``model``'s rows the viewer may read."""
    return model.filter(policy_q(viewer, model))


@register_policy(m.Area)
def _area_policy(viewer: Viewer) -> RowScope:
    above = viewer.visible_ancestor_ids()
    return viewer.scope("area.read").rows() | (where(id__in=sorted(above)) if above else NOWHERE)


@register_policy(m.Unit)
def _unit_policy(viewer: Viewer) -> RowScope:
    own = where(id=viewer.resident_unit_id) if viewer.resident_unit_id else NOWHERE
    return viewer.scope("area.read").rows() | own


@register_policy(m.Resident)
def _resident_policy(viewer: Viewer) -> RowScope:
    return any_of(
        viewer.scope("resident.read").rows(),
        where(id=viewer.resident_id) if viewer.resident_id else None,
        where(unit_id=viewer.resident_unit_id, status=ResidentStatus.ACTIVE) if viewer.resident_unit_id else None,
    )


@register_policy(m.Organization)
def _organization_policy(viewer: Viewer) -> RowScope:
    # Partner organisations are public bodies, not personal data: anyone who
    # may read organisations anywhere sees the directory.
    return EVERYWHERE if viewer.can("organization.read") else NOWHERE


def _own_user(viewer: Viewer, column: str) -> RowScope:
    return where(**{column: viewer.user_id}) if viewer.user_id else NOWHERE


@register_policy(m.User)
def _user_policy(viewer: Viewer) -> RowScope:
    return _own_user(viewer, "id") | viewer.scope("user.manage").rows("home_area__")


@register_policy(m.Notification)
def _notification_policy(viewer: Viewer) -> RowScope:
    return _own_user(viewer, "user_id")


@register_policy(m.PartnerLink)
def _partner_link_policy(viewer: Viewer) -> RowScope:
    # The community end is filtered again by the Area policy when loaded.
    return _organization_policy(viewer)


@register_policy(m.RoleGrant)
def _role_grant_policy(viewer: Viewer) -> RowScope:
    """The viewer's own grants, and those of the users they manage over areas they may see.

    A managed user's grant over an area outside the viewer's sight is left out,
    like the area itself: out of scope reads as not there."""
    above = viewer.visible_ancestor_ids()
    area_seen = viewer.scope("area.read").rows("area__") | (
        where(area_id__in=sorted(above)) if above else NOWHERE)
    return _own_user(viewer, "user_id") | (viewer.scope("user.manage").rows("user__home_area__") & area_seen)
