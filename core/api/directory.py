"""What a staff console looks up besides the hierarchy: accounts (to pick mediators and team
members) and the audit log (who read whose personal data, when, from which request)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from core import models as m
from core.access import below, staff_directory, visible
from core.api.filters import query_text, search_term
from core.api.relay import Connection, Node, connection_from_queryset
from core.api.types import UserT
from core.enums import AREA_TYPE_NAMES
from core.errors import ApiError, Code
from core.ids import decode_gid, decode_int_gid

NO_ROWS = Q(id__in=[])
TEXT_MAX = 64  # the widest of the audit log's short columns (action, field, request id)


@strawberry.input(description="Which accounts to return; every given condition must hold.")
class UserFilter:
    area_id: strawberry.ID | None = strawberry.field(
        default=None, description="Any area: accounts holding a role over it or over an area below it."
    )
    role: str | None = strawberry.field(
        default=None,
        description="Only accounts holding this role (a name from Query.roles), wherever the role is held.",
    )
    search: str | None = strawberry.field(
        default=None, description="Matches the login name or the display name (substring)."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="Only active (true) or only deactivated (false) accounts."
    )


@strawberry.input(description="Which audit entries to return; every given condition must hold.")
class AuditEntryFilter:
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only entries of this account."
    )
    subject_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only entries about this object, e.g. a resident. Given a resident the viewer may audit, "
        "every entry about them is shown, whoever the actor was.",
    )
    action: str | None = strawberry.field(
        default=None,
        description="Only this action, e.g. pii.read or a mutation name such as registerResident.",
    )
    field: str | None = strawberry.field(
        default=None, description="Only reads of this personal-data field: id_number or phone."
    )
    request_id: str | None = strawberry.field(
        default=None, description="Only entries written by this request (the X-Request-ID of the response)."
    )
    since: dt.datetime | None = strawberry.field(
        default=None, description="Only entries written at or after this time."
    )
    until: dt.datetime | None = strawberry.field(
        default=None, description="Only entries written before this time."
    )


@strawberry.type(
    description="One row of the audit log: a full read of personal data, or a change made through a mutation."
)
class AuditEntry:
    at: dt.datetime = strawberry.field(description="When it happened.")
    action: str = strawberry.field(
        description="What was done: pii.read for a full read, else the mutation's name."
    )
    field: str | None = strawberry.field(
        description="For pii.read, the field read in full (id_number or phone)."
    )
    request_id: str | None = strawberry.field(
        description="The request it came from (X-Request-ID), to tie it to proxy and front-end logs."
    )
    detail: str | None = strawberry.field(description="Extra facts the action recorded, if any.")

    @strawberry.field(description="Global id of the object concerned, kept even when the object is gone.")
    def subject_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.subject_gid) if self.subject_gid else None

    @strawberry.field(description="The object concerned; null when gone or outside the viewer's scope.")
    async def subject(self, info: Info) -> Node | None:
        if not self.subject_gid:
            return None
        return await info.context.runtime.nodes.resolve(info, self.subject_gid)

    @strawberry.field(
        description="The account that acted; null for actions without one (e.g. a failed sign-in)."
    )
    async def actor(self, info: Info) -> UserT | None:
        # Shown as context of an entry the viewer may audit, like the area of a role grant.
        return await info.context.loaders.context_by_id(m.User).load(self.actor_id) if self.actor_id else None


def _short_text(value: str | None, what: str) -> str | None:
    value = query_text(value, what)
    if value is not None and len(value) > TEXT_MAX:
        raise ApiError(f"`{what}` may be at most {TEXT_MAX} characters", Code.INVALID_INPUT)
    return value


async def _users_where(info: Info, f: UserFilter | None) -> Q:
    if f is None:
        return Q()
    parts: list[Q] = []
    if f.area_id is not None:
        pk = decode_int_gid(f.area_id, *AREA_TYPE_NAMES)
        area = await info.context.loaders.by_id(m.Area).load(pk) if pk else None
        parts.append(below(area, "grants__area__") if area is not None else NO_ROWS)
    if (role := _short_text(f.role, "role")) is not None:
        parts.append(Q(grants__role=role))
    if term := search_term(f.search):
        parts.append(Q(Q(username__icontains=term), Q(display_name__icontains=term), join_type="OR"))
    if f.is_active is not None:
        parts.append(Q(is_active=f.is_active))
    return Q(*parts) if parts else Q()


def _audit_where(info: Info, f: AuditEntryFilter | None) -> tuple[Q, str | None]:
    """The filter as a Q, and the subject gid when one is asked for."""
    if f is None:
        return Q(), None
    parts: list[Q] = []
    if f.actor_id is not None:
        pk = decode_int_gid(f.actor_id, "User")
        parts.append(Q(actor_id=pk) if pk else NO_ROWS)
    subject = None
    if f.subject_id is not None:
        subject = _short_text(f.subject_id, "subjectId")
        parts.append(Q(subject_gid=subject))
    for column, value in (("action", f.action), ("field", f.field), ("request_id", f.request_id)):
        if (value := _short_text(value, column)) is not None:
            parts.append(Q(**{column: value}))
    if f.since is not None:
        parts.append(Q(at__gte=f.since))
    if f.until is not None:
        parts.append(Q(at__lt=f.until))
    return (Q(*parts) if parts else Q()), subject


async def _audited_subject(info: Info, gid: str | None) -> bool:
    """Whether ``gid`` names a resident in the viewer's audit.read scope (then every entry about
    them is shown, whoever acted). The resident is loaded without the read scope: auditing a
    person's record is a separate right from reading it."""
    parts = decode_gid(gid) if gid else None
    if parts is None or parts[0] != "Resident":
        return False
    pk = decode_int_gid(gid, "Resident")
    resident = await info.context.loaders.context_by_id(m.Resident).load(pk) if pk else None
    return resident is not None and info.context.viewer.can("audit.read", resident)


@strawberry.type(description="Staff-console look-ups: accounts and the audit log.")
class DirectoryQuery:
    @strawberry.field(
        description="Accounts of the viewer's areas, by login name: their own, those they manage "
        "(user.manage) and those holding a role over an area the viewer may read. "
        "For picking mediators, team members and case owners."
    )
    async def users(
        self, info: Info, filter: UserFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[UserT]:
        where = await _users_where(info, filter)
        viewer = info.context.viewer
        qs = m.User.filter(Q(staff_directory(viewer).q(), where)).distinct().order_by("username", "id")
        return await connection_from_queryset(qs, first, after)

    @strawberry.field(
        description="The audit log, newest first. Needs audit.read: entries of accounts whose home "
        "area lies in the viewer's audit.read scope, and every entry about a resident of "
        "that scope when filtered by subjectId. Empty for anyone else."
    )
    async def audit_entries(
        self,
        info: Info,
        filter: AuditEntryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        where, subject = _audit_where(info, filter)
        qs = visible(info.context.viewer, m.AuditLog)
        if await _audited_subject(info, subject):
            qs = m.AuditLog.all()
        return await connection_from_queryset(qs.filter(where).order_by("-at", "-id"), first, after)
