"""Relay plumbing: the Node interface, cursor connections and pagination."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.api.budget import charge
from core.errors import ApiError, Code

# Global ids are core.ids'; a plugin registers its Node models from here or from core.ids alike.
from core.ids import gid_of, register_node_model  # noqa: F401 (the node API: register_node_model is documented here)
from core.settings import get_settings

T = TypeVar("T")

@strawberry.interface(description="Relay object identification: every entity has an opaque, globally unique id.")
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
    cursor: str = strawberry.field(description="Opaque cursor: pass as `after` or `before` to page from here.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, Relay style, with the total across all pages.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    total_count: int = strawberry.field(description="Number of items across all pages (that the viewer may see).")


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


def window(total: int, first: int | None, after: str | None, last: int | None = None,
           before: str | None = None) -> Window:
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
        total_count=total,
    )


def connection_from_list(items: Sequence, first=None, after=None, last=None, before=None) -> Connection:
    """Paginate a list already in memory (children batched by a DataLoader)."""
    win = window(len(items), first, after, last, before)
    return connection_from_slice(items[win.start:win.stop], win, len(items))


async def connection_from_queryset(qs: QuerySet, first=None, after=None, last=None, before=None) -> Connection:
    """Paginate in the database: one COUNT and one LIMIT/OFFSET query. ``qs`` must be ordered."""
    total = await qs.count()
    win = window(total, first, after, last, before)
    rows = await qs.offset(win.start).limit(win.stop - win.start) if win.stop > win.start else []
    charge(len(rows))  # the request's cap on resolved objects
    return connection_from_slice(rows, win, total)


def loaders(info: Info):
    return info.context.loaders
