"""Permissions, roles and the viewer's scope.

A role is a named set of permission strings. A grant gives a user one role
over one area and everything below it. :class:`Viewer` turns a user's grants
into a :class:`Scope` per permission; ``Scope.rows()`` turns one into a
:mod:`core.scopes` value, which :mod:`core.access` policies compose into the
database filters that every resolver and loader shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.enums import LEVELS, AreaLevel, lineage_column
from core.scopes import EVERYWHERE as EVERYWHERE_ROWS
from core.scopes import NOWHERE as NOWHERE_ROWS
from core.scopes import RowScope, any_of, where

CORE_PERMISSIONS: dict[str, str] = {
    "area.read": "Read areas, buildings and units of the area.",
    "area.manage": "Create, rename and delete areas below the granted area.",
    "district.create": "Create districts (superusers only in practice).",
    "unit.write": "Create and update dwelling units.",
    "resident.read": "Read residents of the area (ID and phone masked).",
    "resident.write": "Register, update and move residents of the area.",
    "resident.pii.read": "Read residents' full ID card and phone numbers (each read is audited).",
    "organization.read": "Read partner organisations.",
    "organization.write": "Create organisations and link them with communities of the area.",
    "user.manage": "Create accounts and grant or revoke roles within the area.",
    "audit.read": "Read the audit log of the area.",
}


@dataclass(frozen=True)
class RoleDef:
    name: str
    description: str
    permissions: frozenset[str]


def _role(name: str, description: str, *perms: str) -> RoleDef:
    return RoleDef(name, description, frozenset(perms))


CORE_ROLES: tuple[RoleDef, ...] = (
    _role("admin", "District administrator: every permission over the granted area.", "*"),
    _role(
        "area_manager",
        "Subdistrict or district official: manages areas, units, residents, organisations and accounts of the area.",
        "area.read",
        "area.manage",
        "unit.write",
        "resident.read",
        "resident.write",
        "resident.pii.read",
        "organization.read",
        "organization.write",
        "user.manage",
        "audit.read",
    ),
    _role(
        "community_worker",
        "Community worker (社区工作者): reads and writes residents, units and organisations of the area, including full ID and phone numbers.",
        "area.read",
        "unit.write",
        "resident.read",
        "resident.write",
        "resident.pii.read",
        "organization.read",
        "organization.write",
    ),
    _role(
        "grid_worker",
        "Grid worker (网格员): reads residents of the area, ID and phone masked.",
        "area.read",
        "resident.read",
        "organization.read",
    ),
    _role(
        "resident",
        "A resident: sees their own record and household through `me`.",
    ),
)


class RoleRegistry:
    """Core roles plus those plugins contribute; '*' in a role means every permission."""

    def __init__(self, permissions: dict[str, str], roles: list[RoleDef]):
        self.permissions = dict(permissions)
        self._roles: dict[str, RoleDef] = {}
        for role in roles:
            if role.name in self._roles:
                # Plugins may widen a core role (e.g. give community_worker their read permission).
                prev = self._roles[role.name]
                role = RoleDef(prev.name, prev.description, prev.permissions | role.permissions)
            self._roles[role.name] = role

    def get(self, name: str) -> RoleDef | None:
        return self._roles.get(name)

    def all(self) -> list[RoleDef]:
        return list(self._roles.values())

    def expand(self, role: RoleDef) -> frozenset[str]:
        return frozenset(self.permissions) if "*" in role.permissions else role.permissions


@dataclass(frozen=True)
class Grant:
    role: str
    area_id: int
    level: AreaLevel
    # Ancestor ids of the granted area (its lineage), to show the path above it.
    lineage: tuple[int, ...]


@dataclass(frozen=True)
class Scope:
    """Where a permission holds: everywhere, or below some root areas."""

    everywhere: bool = False
    roots: tuple[tuple[AreaLevel, int], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.everywhere and not self.roots

    def rows(self, prefix: str = "") -> RowScope:
        """The rows (of a model with lineage columns; ``prefix`` for a related one) this
        scope covers, as a :mod:`core.scopes` value that composes with ``|`` and ``&``."""
        if self.everywhere:
            return EVERYWHERE_ROWS
        if not self.roots:
            return NOWHERE_ROWS
        by_col: dict[str, list[int]] = {}
        for level, area_id in self.roots:
            by_col.setdefault(prefix + lineage_column(level), []).append(area_id)
        return any_of(*(where(**{f"{col}__in": ids}) for col, ids in by_col.items()))

    def covers(self, obj) -> bool:
        """Whether ``obj`` (anything with lineage columns) lies in this scope."""
        if self.everywhere:
            return True
        return any(getattr(obj, lineage_column(level), None) == area_id for level, area_id in self.roots)

    def covers_area_ids(self, lineage: dict[str, int | None]) -> bool:
        if self.everywhere:
            return True
        return any(lineage.get(lineage_column(level)) == area_id for level, area_id in self.roots)


RESIDENT_ROLE = "resident"

NOWHERE = Scope()
EVERYWHERE = Scope(everywhere=True)


@dataclass
class Viewer:
    """Who is asking, and what their grants let them do."""

    user: object | None = None
    is_superuser: bool = False
    grants: list[Grant] = field(default_factory=list)
    registry: RoleRegistry | None = None
    resident_id: int | None = None
    resident_unit_id: int | None = None
    resident_lineage: tuple[int, ...] = ()
    # Areas of the viewer's own resident record, shown as context (its community must
    # resolve) even when they no longer live there; never a right.
    record_lineage: tuple[int, ...] = ()
    _cache: dict[str, Scope] = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "id", None)

    def permissions_of(self, grant: Grant) -> frozenset[str]:
        role = self.registry.get(grant.role) if self.registry else None
        return self.registry.expand(role) if role else frozenset()

    def scope(self, permission: str) -> Scope:
        if self.is_superuser:
            return EVERYWHERE
        if permission not in self._cache:
            roots = tuple((g.level, g.area_id) for g in self.grants if permission in self.permissions_of(g))
            self._cache[permission] = Scope(roots=roots)
        return self._cache[permission]

    def can(self, permission: str, obj=None) -> bool:
        """Holds ``permission`` over ``obj`` (anything with lineage), or anywhere when obj is None."""
        scope = self.scope(permission)
        return not scope.empty if obj is None else scope.covers(obj)

    def attach_resident(
        self, resident_id: int, unit_id: int | None, lineage: tuple[int, ...], *, lives_here: bool
    ) -> None:
        """Link the viewer to their own resident record (read afresh on every request).

        A resident's view follows their current residence: while they live here (ACTIVE)
        they see their unit and its active household and act as a resident of their
        community. Once moved out or deceased they keep only their own record: no unit,
        no household, no home area, and their `resident` grants (the resident role's
        rights, e.g. voting or signing up) no longer count. Moving back in
        (moveResident) restores all of it, as the record is ACTIVE again."""
        self.resident_id = resident_id
        self.record_lineage = lineage
        if lives_here:
            self.resident_unit_id = unit_id
            self.resident_lineage = lineage
        else:
            self.resident_unit_id = None
            self.resident_lineage = ()
            self.grants = [g for g in self.grants if g.role != RESIDENT_ROLE]
            self._cache.clear()

    def visible_ancestor_ids(self) -> set[int]:
        """Areas above the viewer's grants (and their own home), shown as context."""
        ids: set[int] = set(self.resident_lineage) | set(self.record_lineage)
        for g in self.grants:
            ids.update(g.lineage)
        return ids


def level_rank(level: AreaLevel) -> int:
    return LEVELS.index(level)
