"""Resident filtering and ordering, shared by Query.residents and Community.residents."""

from __future__ import annotations

import datetime as dt
import re

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from core import clock
from core import models as m
from core.access import below, visible
from core.audit import AuditEntry
from core.enums import (
    AREA_TYPE_NAMES,
    Gender,
    OrderDirection,
    ResidencyType,
    ResidentOrderField,
    ResidentStatus,
)
from core.errors import ApiError, Code
from core.ids import decode_int_gid, encode_gid
from core.pii import birth_date_everywhere, blind_index
from core.validation import id_number_problem, normalise_id_number, unstorable_text

NO_MATCH = Q(id__in=[])
SEARCH_MAX = 100  # characters of a search term
AGE_MAX = 200
TAG_MAX = 50  # as core.services.residents: a longer tag cannot exist


def query_text(value: str | None, what: str) -> str | None:
    """Text given to a query argument: a GraphQL error INVALID_INPUT when no database could store it."""
    if value is not None and unstorable_text(value):
        raise ApiError(f"`{what}` may not contain NUL characters or unpaired surrogates", Code.INVALID_INPUT)
    return value


def search_term(search: str | None) -> str | None:
    """A search argument, trimmed; INVALID_INPUT when longer than anything worth searching for."""
    term = (query_text(search, "search") or "").strip()
    if len(term) > SEARCH_MAX:
        raise ApiError(f"`search` may be at most {SEARCH_MAX} characters", Code.INVALID_INPUT)
    return term or None


def _check_age(name: str, value: int | None) -> None:
    if value is not None and not (0 <= value <= AGE_MAX):
        raise ApiError(f"`{name}` must be between 0 and {AGE_MAX}", Code.INVALID_INPUT)


@strawberry.input(description="Which residents to return; every given condition must hold.")
class ResidentFilter:
    area_id: strawberry.ID | None = strawberry.field(
        default=None, description="Any area; matches residents anywhere below it."
    )
    unit_id: strawberry.ID | None = strawberry.field(
        default=None, description="Residents registered at this unit."
    )
    search: str | None = strawberry.field(
        default=None, description="Matches name (substring) or the last four digits of the phone number."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Residents carrying every one of these tags."
    )
    status: ResidentStatus | None = strawberry.field(
        default=None, description="Only residents with this status."
    )
    residency_type: ResidencyType | None = strawberry.field(
        default=None, description="Only registered or only non-registered residents."
    )
    is_party_member: bool | None = strawberry.field(
        default=None, description="Only party members (true) or non-members (false)."
    )
    gender: Gender | None = strawberry.field(default=None, description="Only this gender.")
    min_age: int | None = strawberry.field(
        default=None, description="At least this many whole years old today."
    )
    max_age: int | None = strawberry.field(
        default=None, description="At most this many whole years old today."
    )
    id_number: str | None = strawberry.field(
        default=None,
        description="The full 18-character ID card number, matched exactly through the blind index. Finds only "
        "residents over whom the viewer holds resident.pii.read; each match is audited as a full read.",
    )


@strawberry.input(description="Sort order for residents; ties are broken by id.")
class ResidentOrder:
    field: ResidentOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(description="Ascending or descending.")


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


async def resident_where(info: Info, f: ResidentFilter | None) -> tuple[Q, tuple]:
    """The filter as a Q, plus a hashable key naming it (for loader caching)."""
    if f is None:
        return Q(), ()
    _check_age("minAge", f.min_age)
    _check_age("maxAge", f.max_age)
    term = search_term(f.search)
    parts: list[Q] = []
    if f.area_id is not None:
        area_pk = decode_int_gid(f.area_id, *AREA_TYPE_NAMES)
        area = await info.context.loaders.by_id(m.Area).load(area_pk) if area_pk else None
        parts.append(below(area))
    if f.unit_id is not None:
        unit_pk = decode_int_gid(f.unit_id, "Unit")
        parts.append(Q(unit_id=unit_pk) if unit_pk else NO_MATCH)
    if term:
        if re.fullmatch(r"\d{4}", term):
            parts.append(Q(Q(name__icontains=term), Q(phone_last4=term), join_type="OR"))
        else:
            parts.append(Q(name__icontains=term))
    for tag in f.tags or []:
        tag = query_text(tag, "tags").strip()
        if not tag or "|" in tag or len(tag) > TAG_MAX:
            parts.append(NO_MATCH)  # no resident can carry such a tag
        else:
            parts.append(Q(tags_text__contains=f"|{tag}|"))
    if f.id_number is not None:
        parts.append(await _id_number_match(info, f.id_number))
    if f.status is not None:
        parts.append(Q(status=f.status))
    if f.residency_type is not None:
        parts.append(Q(residency_type=f.residency_type))
    if f.is_party_member is not None:
        parts.append(Q(is_party_member=f.is_party_member))
    if f.gender is not None:
        parts.append(Q(gender=f.gender))
    parts.extend(_age_parts(f.min_age, f.max_age, birth_date_everywhere(info.context.viewer)))
    key = tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in vars(f).items() if v is not None)
    )
    return (Q(*parts) if parts else Q()), key


def _age_parts(
    min_age: int | None, max_age: int | None, exact: bool, today: dt.date | None = None
) -> list[Q]:
    """Age bounds as birth-date conditions: to the day for a viewer who may see every birth
    date in the list, else by birth year (the age reached this year), which is all such a
    viewer learns from `age` (core.pii: bisecting exact cuts would reveal the birthday)."""
    today = today or clock.today()
    parts: list[Q] = []
    if exact:
        if min_age is not None:
            parts.append(Q(birth_date__lte=_years_ago(today, min_age)))
        if max_age is not None:
            # Born after the day (max_age + 1) years ago.
            parts.append(Q(birth_date__gt=_years_ago(today, max_age + 1)))
        return parts
    # Ages are within 0..AGE_MAX (checked above), so the years are valid dates.
    if min_age is not None:
        # Reaches min_age this year or earlier: born in (today.year - min_age) or before.
        parts.append(Q(birth_date__lt=dt.date(today.year - min_age + 1, 1, 1)))
    if max_age is not None:
        parts.append(Q(birth_date__gte=dt.date(today.year - max_age, 1, 1)))
    return parts


async def _id_number_match(info: Info, raw: str) -> Q:
    """Residents carrying exactly this ID number, among those whose full number the viewer may read.

    Finding someone by their full number discloses that it is theirs, so it needs the same
    permission as reading it and is audited the same way (one pii.read row per match)."""
    value = normalise_id_number(query_text(raw, "idNumber"))
    if problem := id_number_problem(value):
        raise ApiError(f"`idNumber`: {problem}", Code.INVALID_INPUT)
    viewer = info.context.viewer
    ids = (
        await visible(viewer, m.Resident)
        .filter(
            viewer.scope("resident.pii.read").rows().q(),
            id_number_hash=blind_index(value, "id_number"),
        )
        .values_list("id", flat=True)
    )
    for pk in ids:
        info.context.audit_reads.append(
            AuditEntry("pii.read", encode_gid("Resident", pk), "id_number", "search")
        )
    return Q(id__in=list(ids)) if ids else NO_MATCH


_ORDER_COLUMNS = {
    ResidentOrderField.NAME: "name",
    ResidentOrderField.BIRTH_DATE: "birth_date",
    ResidentOrderField.CREATED_AT: "created_at",
}


BIRTH_YEAR = "birth_year"  # annotation added by order_residents for ordering by year


def coarse_birth_order(info: Info, order: ResidentOrder | None) -> bool:
    """Whether BIRTH_DATE ordering must go by birth year for this viewer (core.pii)."""
    return (
        order is not None
        and order.field == ResidentOrderField.BIRTH_DATE
        and not birth_date_everywhere(info.context.viewer)
    )


def resident_ordering(order: ResidentOrder | None) -> tuple[str, ...]:
    if order is None:
        return ("id",)
    col = _ORDER_COLUMNS[order.field]
    if order.direction == OrderDirection.DESC:
        return (f"-{col}", "-id")
    return (col, "id")


def _birth_year_sql() -> RawSQL:
    column = f'"{m.Resident._meta.db_table}"."birth_date"'
    if m.Resident._meta.db.capabilities.dialect == "sqlite":
        return RawSQL(f"CAST(strftime('%Y', {column}) AS INTEGER)")
    return RawSQL(f"EXTRACT(YEAR FROM {column})")


def order_residents(info: Info, qs: QuerySet, order: ResidentOrder | None) -> QuerySet:
    """``qs`` in the requested order; BIRTH_DATE goes by birth year, then id, for a viewer
    who may not see every birth date (an exact order would place residents between others)."""
    if not coarse_birth_order(info, order):
        return qs.order_by(*resident_ordering(order))
    desc = order.direction == OrderDirection.DESC
    return qs.annotate(**{BIRTH_YEAR: _birth_year_sql()}).order_by(
        *((f"-{BIRTH_YEAR}", "-id") if desc else (BIRTH_YEAR, "id"))
    )


def sort_residents(info: Info, rows: list, order: ResidentOrder | None) -> list:
    """The same coarse order for rows already in memory (nested connections)."""
    if not coarse_birth_order(info, order):
        return rows
    desc = order.direction == OrderDirection.DESC
    # Rows without a birth date sort as the database sorts NULLs: first ascending on
    # SQLite, last on PostgreSQL; keep whatever order the database gave them.
    dated = sorted(
        (r for r in rows if r.birth_date is not None), key=lambda r: (r.birth_date.year, r.id), reverse=desc
    )
    undated = [r for r in rows if r.birth_date is None]
    nulls_first = m.Resident._meta.db.capabilities.dialect == "sqlite"
    return (undated + dated) if nulls_first != desc else (dated + undated)
