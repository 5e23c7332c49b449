"""The permission layer: which rows of a model a viewer may see.

One policy per model, contributed through the ``lastmile_access_policies`` hook
(core's below, in :data:`CORE_POLICIES`); the plugin host refuses a second
policy for a model at start-up. Every query, loader, connection, count and ``node``
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
from core.scopes import EVERYWHERE, NOWHERE, RowScope, any_of, where

# A policy answers, for one model, which rows a viewer may read (a core.scopes value:
# EVERYWHERE, NOWHERE or where(...), composed with | and &).
Policy = Callable[[Viewer], RowScope]
# The policies of every plugin host built in this process, filled by install_policies when a
# host starts (models are process-wide classes, so one table serves every host).
_POLICIES: dict[type[Model], Policy] = {}
_OWNERS: dict[type[Model], str] = {}

NOTHING = NOWHERE.q()


def install_policies(policies: dict[type[Model], Policy], owners: dict[type[Model], str]) -> None:
    """Make a plugin host's policies (lastmile_access_policies, one per model) the ones
    :func:`visible` applies. Called by :class:`core.plugins.PluginHost`; a model already
    owned by another plugin (from another host in this process) is refused too."""
    for model, owner in owners.items():
        previous = _OWNERS.get(model)
        if previous is not None and previous != owner:
            from core.plugins import PolicyConflictError

            raise PolicyConflictError(model, previous, owner)
    _POLICIES.update(policies)
    _OWNERS.update(owners)


def policy_scope(viewer: Viewer, model: type[Model]) -> RowScope:
    """The rows of ``model`` the viewer may read, as a composable value."""
    try:
        policy = _POLICIES[model]
    except KeyError:
        raise LookupError(f"no access policy registered for {model.__name__}") from None
    scope = policy(viewer)
    if not isinstance(scope, RowScope):
        raise TypeError(
            f"the access policy for {model.__name__} returned {type(scope).__name__}, "
            "not a core.scopes value (EVERYWHERE, NOWHERE or where(...))"
        )
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


def _area_policy(viewer: Viewer) -> RowScope:
    above = viewer.visible_ancestor_ids()
    return viewer.scope("area.read").rows() | (where(id__in=sorted(above)) if above else NOWHERE)


def _unit_policy(viewer: Viewer) -> RowScope:
    own = where(id=viewer.resident_unit_id) if viewer.resident_unit_id else NOWHERE
    return viewer.scope("area.read").rows() | own


def _resident_policy(viewer: Viewer) -> RowScope:
    return any_of(
        viewer.scope("resident.read").rows(),
        where(id=viewer.resident_id) if viewer.resident_id else None,
        where(unit_id=viewer.resident_unit_id, status=ResidentStatus.ACTIVE)
        if viewer.resident_unit_id
        else None,
    )


def _organization_policy(viewer: Viewer) -> RowScope:
    # Partner organisations are public bodies, not personal data: anyone who
    # may read organisations anywhere sees the directory.
    return EVERYWHERE if viewer.can("organization.read") else NOWHERE


def _own_user(viewer: Viewer, column: str) -> RowScope:
    return where(**{column: viewer.user_id}) if viewer.user_id else NOWHERE


def _user_policy(viewer: Viewer) -> RowScope:
    return _own_user(viewer, "id") | viewer.scope("user.manage").rows("home_area__")


def _notification_policy(viewer: Viewer) -> RowScope:
    return _own_user(viewer, "user_id")


def _partner_link_policy(viewer: Viewer) -> RowScope:
    # The community end is filtered again by the Area policy when loaded.
    return _organization_policy(viewer)


def _role_grant_policy(viewer: Viewer) -> RowScope:
    """The viewer's own grants, and those of the users they manage over areas they may see.

    A managed user's grant over an area outside the viewer's sight is left out,
    like the area itself: out of scope reads as not there."""
    above = viewer.visible_ancestor_ids()
    area_seen = viewer.scope("area.read").rows("area__") | (
        where(area_id__in=sorted(above)) if above else NOWHERE
    )
    return _own_user(viewer, "user_id") | (viewer.scope("user.manage").rows("user__home_area__") & area_seen)


def staff_directory(viewer: Viewer) -> RowScope:
    """Accounts a staff console may list (Query.users): those the User policy shows, plus
    active colleagues holding a role over an area the viewer may read, so that a case owner
    or a volunteer coordinator can pick mediators and team members without user.manage.
    Only the account itself is listed; its grants stay under the RoleGrant policy. A scope, so
    that it composes like every policy (``.q()`` where a tortoise filter is needed)."""
    colleagues = viewer.scope("area.read").rows("grants__area__") & where(is_active=True)
    return _user_policy(viewer) | colleagues


def _audit_policy(viewer: Viewer) -> RowScope:
    """Entries of accounts whose home area lies in the viewer's audit.read scope (superusers: all)."""
    accounts = viewer.scope("audit.read").rows("home_area__")
    if accounts is EVERYWHERE or accounts is NOWHERE:
        return accounts
    return where(actor_id__in=Subquery(m.User.filter(accounts.q()).values("id")))


# Core's policies, registered by core.builtin_hooks through lastmile_access_policies.
CORE_POLICIES: dict[type[Model], Policy] = {
    m.Area: _area_policy,
    m.Unit: _unit_policy,
    m.Resident: _resident_policy,
    m.Organization: _organization_policy,
    m.User: _user_policy,
    m.Notification: _notification_policy,
    m.PartnerLink: _partner_link_policy,
    m.RoleGrant: _role_grant_policy,
    m.AuditLog: _audit_policy,
}
