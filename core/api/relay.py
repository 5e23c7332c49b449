"""Relay plumbing: the Node interface, cursor connections and pagination."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.api.budget import charge
from core.errors import ApiError, Code

# Global ids are core.ids'; a plugin registers its Node models from here or from core.ids alike.
from core.ids import gid_of, register_node_model  # noqa: F401 (the node API: register_node_model is documented here)
from core.settings import get_settings

T = TypeVar("T")


@strawberry.interface(
    description="Relay object identification: every entity has an opaque, globally unique id."
)
class Node:
    @strawberry.field(description="Opaque global id; pass it to `node` to fetch the object again.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(gid_of(self))  # type: ignore[arg-type]


@dataclass(frozen=True)
class NodeSpec:
    """How ``node(id)`` finds objects of one GraphQL type."""

    type_name: str
    model: type[Model]
    # Extra check on a loaded row (e.g. an Area's level must match the type name).
    accepts: Callable[[Model], bool] | None = None


@strawberry.type(description="Relay cursor pagination: where this page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item on this page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item on this page.")


@strawberry.type(description="One item of a connection and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque cursor: pass as `after` or `before` to page from here."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, Relay style, with the total across all pages.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    # The total, or a coroutine function giving it: a root connection counts only when asked.
    total: strawberry.Private[object] = None

    @strawberry.field(description="Number of items across all pages (that the viewer may see).")
    async def total_count(self) -> int:
        if callable(self.total):
            self.total = await self.total()
        return self.total


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        kind, _, value = raw.partition(":")
        if kind != "o":
            raise ValueError
        offset = int(value)
        if offset < 0:
            raise ValueError
        return offset
    except (ValueError, UnicodeDecodeError):
        raise ApiError(f"Invalid cursor {cursor!r}", Code.INVALID_INPUT) from None


@dataclass(frozen=True)
class Window:
    """The slice [start, stop) of a list of ``total`` items the arguments ask for."""

    start: int
    stop: int


def _check_count(name: str, value: int | None) -> None:
    if value is None:
        return
    if value < 0:
        raise ApiError(f"`{name}` must not be negative", Code.INVALID_INPUT)
    limit = get_settings().max_page_size
    if value > limit:
        raise ApiError(f"`{name}` may be at most {limit}", Code.INVALID_INPUT)


DEFAULT_PAGE = 50


def window(
    total: int, first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> Window:
    _check_count("first", first)
    _check_count("last", last)
    start = decode_cursor(after) + 1 if after else 0
    stop = min(decode_cursor(before), total) if before else total
    start = min(start, stop)
    if first is not None:
        stop = min(stop, start + first)
    if last is not None:
        start = max(start, stop - last)
    if first is None and last is None:
        stop = min(stop, start + DEFAULT_PAGE)
    return Window(start, stop)


def connection_from_slice(items: Sequence, win: Window, total: int) -> Connection:
    edges = [Edge(cursor=encode_cursor(win.start + i), node=item) for i, item in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=win.stop < total,
            has_previous_page=win.start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total=total,
    )


def connection_from_list(items: Sequence, first=None, after=None, last=None, before=None) -> Connection:
    """Paginate a list already in memory (children batched by a DataLoader)."""
    win = window(len(items), first, after, last, before)
    return connection_from_slice(items[win.start : win.stop], win, len(items))


async def connection_from_queryset(
    qs: QuerySet, first=None, after=None, last=None, before=None
) -> Connection:
    """Paginate in the database by keyset: one query of the page and one extra row (whether
    more follow), from the order key values the cursor carries; COUNT only if totalCount is
    asked. ``qs`` must be ordered, ties broken by ``id``. The compiled read path
    (core.compiler.build) pages root connections the same way, row for row."""
    _check_count("first", first)
    _check_count("last", last)
    keys = keyset_keys(qs.model, keyset_order(qs))
    postgres = qs.model._meta.db.capabilities.dialect == "postgres"
    total_qs = qs
    for cursor, forward in ((after, True), (before, False)):
        if cursor:
            qs = qs.filter(keyset_q(keys, decode_keyset(cursor, keys), forward, postgres))
    backwards = last is not None and first is None
    if backwards:
        n = last
        qs = qs.order_by(*(("" if _desc(o) else "-") + name for name, o in qs._orderings))
    else:
        n = first if first is not None else DEFAULT_PAGE
    rows = list(await qs.limit(n + 1))
    more = len(rows) > n
    rows = rows[:n]
    if backwards:
        rows.reverse()
        has_prev, has_next = more, bool(before)
    else:
        has_prev, has_next = bool(after), more
        if last is not None and len(rows) > last:  # first and last: the last items of the first ones
            rows, has_prev = rows[len(rows) - last :], True
    charge(len(rows))  # the request's cap on resolved objects
    edges = [Edge(cursor=encode_keyset([key_value(row, k) for k in keys]), node=row) for row in rows]

    async def count():
        return await total_qs.count()

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_prev,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total=count,
    )


# ---------------------------------------------------------------- keyset cursors
# A root connection's cursor carries the order key of its row: base64url("k:" + JSON array
# of the key values, dates and datetimes in ISO form). The compiled path spells the same
# text in SQL (json_build_array on PostgreSQL, lm_keyset on SQLite), so the two paths give
# identical cursors. Nested lists (already in memory) keep offset cursors ("o:N").


@dataclass(frozen=True)
class Key:
    """One column of a keyset order: ``kind`` is bool, int, text, date, datetime or year (the year
    of the date column, core.pii's coarse birth order)."""

    column: str
    kind: str
    desc: bool
    nullable: bool


def _kind(field) -> str | None:
    from tortoise import fields as f

    for cls, kind in (
        (f.BooleanField, "bool"),
        (f.DatetimeField, "datetime"),
        (f.DateField, "date"),
        (f.IntField, "int"),
        (f.BigIntField, "int"),
        (f.SmallIntField, "int"),
        (f.CharField, "text"),
        (f.TextField, "text"),
    ):
        if isinstance(field, cls):
            return kind
    return None


def keyset_order(qs: QuerySet) -> tuple[str, ...]:
    """The queryset's order in the compiler's notation ("-name"; "year:birth_date")."""
    from core.api.filters import BIRTH_YEAR  # the annotation order_residents orders by

    out = []
    for name, order in qs._orderings:
        desc = _desc(order)
        if name == BIRTH_YEAR and name in qs._annotations:
            name = "year:birth_date"
        out.append(("-" if desc else "") + name)
    return tuple(out)


def _desc(order) -> bool:
    return str(getattr(order, "value", order)).lower() == "desc"


def keyset_keys(model: type[Model], order: Sequence[str]) -> tuple[Key, ...]:
    keys = []
    for item in order:
        desc, name = item.startswith("-"), item.lstrip("-")
        year = name.startswith("year:")
        column = name[5:] if year else name
        field = model._meta.fields_map.get(column)
        kind = "year" if year else _kind(field) if field is not None else None
        if kind is None:
            raise ValueError(f"{model.__name__} cannot be paged by {item!r}")
        keys.append(Key(column, kind, desc, bool(field.null)))
    if not keys or keys[-1].column != "id":
        raise ValueError(f"{model.__name__}: a keyset order must end in id, not {tuple(order)!r}")
    return tuple(keys)


def key_json(value, kind: str):
    """A key value as the cursor spells it (the same function serves SQLite's lm_keyset)."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind in ("int", "year"):
        return int(value)
    if kind == "datetime":
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if kind == "date":
        return value[:10] if isinstance(value, str) else value.isoformat()
    return getattr(value, "value", value)  # enums store their value


def key_value(row: Model, key: Key):
    value = getattr(row, key.column)
    if key.kind == "year" and value is not None:
        value = value.year
    return key_json(value, key.kind)


def encode_keyset(values: Sequence) -> str:
    raw = "k:" + json.dumps(list(values), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _bad_cursor(cursor: str) -> ApiError:
    return ApiError(f"Invalid cursor {cursor!r}: not a cursor of this list", Code.INVALID_INPUT)


def decode_keyset(cursor: str, keys: Sequence[Key]) -> list:
    """The key values a cursor carries, as Python values for the keys' columns."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        kind, _, body = raw.partition(":")
        values = json.loads(body) if kind == "k" else None
    except (ValueError, UnicodeDecodeError):
        raise _bad_cursor(cursor) from None
    if not isinstance(values, list) or len(values) != len(keys):
        raise _bad_cursor(cursor)
    out = []
    for key, v in zip(keys, values, strict=True):
        try:
            if v is None:
                if not key.nullable:
                    raise ValueError
                out.append(None)
            elif key.kind in ("int", "year"):
                if (
                    not isinstance(v, int)
                    or isinstance(v, bool)
                    or (key.kind == "year" and not 1 <= v < 9999)
                ):
                    raise ValueError
                out.append(v)
            elif key.kind == "bool":
                if not isinstance(v, bool):
                    raise ValueError
                out.append(v)
            elif not isinstance(v, str):
                raise ValueError
            elif key.kind == "date":
                out.append(dt.date.fromisoformat(v))
            elif key.kind == "datetime":
                parsed = dt.datetime.fromisoformat(v)
                out.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))
            else:
                out.append(v)
        except (ValueError, OverflowError):
            raise _bad_cursor(cursor) from None
    return out


def _key_q(key: Key, op: str, v) -> Q:
    """``column <op> v`` (op: gt, lt, eq) for one key; a year compares as a range of dates."""
    c = key.column
    if key.kind != "year":
        return Q(**{c if op == "eq" else f"{c}__{op}": v})
    if op == "gt":
        return Q(**{f"{c}__gte": dt.date(v + 1, 1, 1)}) if v < 9998 else Q(id__in=[])
    if op == "lt":
        return Q(**{f"{c}__lt": dt.date(v, 1, 1)})
    return Q(**{f"{c}__gte": dt.date(v, 1, 1), f"{c}__lt": dt.date(v + 1, 1, 1)})


def keyset_q(keys: Sequence[Key], values: Sequence, forward: bool, postgres: bool) -> Q:
    """Rows strictly after (``forward``) or before the row whose key is ``values``, in the
    order ``keys``, with NULLs where the database sorts them (PostgreSQL: last ascending,
    SQLite: first ascending)."""
    terms: list[Q] = []
    equal: list[Q] = []
    for key, v in zip(keys, values, strict=True):
        asc = (not key.desc) == forward  # the direction rows are walked in
        nulls_after = ((not key.desc) == postgres) == forward  # NULLs come after non-NULLs that way
        if v is None:
            beyond = None if nulls_after else Q(**{f"{key.column}__isnull": False})
        else:
            beyond = _key_q(key, "gt" if asc else "lt", v)
            if key.nullable and nulls_after:
                beyond = beyond | Q(**{f"{key.column}__isnull": True})
        if beyond is not None:
            terms.append(Q(*equal, beyond) if equal else beyond)
        equal.append(Q(**{f"{key.column}__isnull": True}) if v is None else _key_q(key, "eq", v))
    if not terms:
        return Q(id__in=[])
    out = terms[0]
    for t in terms[1:]:
        out = out | t
    return out


def loaders(info: Info):
    return info.context.loaders
