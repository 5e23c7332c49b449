"""How GraphQL types and fields map to SQL: the declarations core and plugins make.

A :class:`TypeMap` names a GraphQL object type's table (a tortoise model),
the policy that scopes its rows (by default the model's ``core.access``
policy) and, per GraphQL field, one of the specs below. A field without a
spec cannot be compiled: a root field whose selection reaches it is resolved
by today's resolvers instead (and the debug extension says which field).

Plugins return TypeMaps (for their own types and for the fields they add to
core types) from the ``lastmile_sql_mappings`` hook; see docs/plugins.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

# Kinds of stored scalar: how a column becomes its JSON value.
KINDS = frozenset({"text", "int", "float", "bool", "enum", "date", "datetime", "tags", "id"})


class Unsupported(Exception):
    """The selection holds something the compiler cannot express."""


@dataclass(frozen=True)
class Column:
    """A scalar read from a stored column of the row (``kind`` says how it is spelled in JSON)."""

    column: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; one of {sorted(KINDS)}")


@dataclass(frozen=True)
class GlobalId:
    """The Relay ``id``: base64url("TypeName:pk") of the row's primary key."""


@dataclass(frozen=True)
class Computed:
    """A scalar computed in SQL: ``sql(dialect, alias, params) -> expression``."""

    sql: Callable[..., str]


@dataclass(frozen=True)
class Ref:
    """A related object: the visible row of ``target`` whose ``target_column`` equals this
    row's ``column`` (null when the column is null or the row is out of scope)."""

    target: str
    column: str
    target_column: str = "id"
    # Read the target without the viewer's scope (context of a visible row, like Loaders.context_by_id).
    unscoped: bool = False


Args = dict[str, Any]
WhereFn = Callable[[Args, Any], "Q | None | Awaitable[Q | None]"]


@dataclass(frozen=True)
class Rows:
    """Visible rows of ``target`` whose ``fk`` equals this row's ``parent_column``, as a list
    (``connection=False``), a Relay connection, or the first one (``single=True``).

    ``where(args, context)`` adds conditions (a Q; may be async, may raise ApiError),
    ``order(args)`` (or ``order(args, viewer)``) gives tortoise-style order fields (``"-name"``;
    ``"year:birth_date"`` orders by the year of a date column), ties must end in ``id``.
    ``pages`` lists the pagination arguments the field takes (first, after, last, before).
    Root fields use Rows with ``fk=None``.
    """

    target: str
    fk: str | None
    parent_column: str = "id"
    connection: bool = False
    single: bool = False
    where: WhereFn | Q | None = None
    order: Callable[..., tuple[str, ...]] | tuple[str, ...] = ("id",)
    pages: frozenset[str] = frozenset()
    # Argument names the spec understands; others make the field uncompilable.
    args: frozenset[str] = frozenset()
    # ``index_first(args)`` true: the filter is selective through its own index (a trigram name
    # search), so PostgreSQL finds the matching rows first and sorts them, rather than walking
    # the order's index and testing every row it passes (see docs/performance.md, Q4).
    index_first: Callable[[Args], bool] | None = None


@dataclass(frozen=True)
class Through:
    """Visible rows of ``target`` reached through a link table: link rows (``link_model``,
    scoped by its policy) with ``link_fk`` = this row's id, ordered by link id, each naming
    its target by ``link_target``."""

    target: str
    link_model: type[Model]
    link_fk: str
    link_target: str


@dataclass(frozen=True)
class Count:
    """Number of visible ``model`` rows whose ``fk`` equals this row's ``parent_column``."""

    model: type[Model]
    fk: str
    parent_column: str = "id"
    where: Q | None = None


@dataclass(frozen=True)
class Ancestors:
    """Visible areas named by this row's lineage ``columns`` (in that order), as a list."""

    target: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class NodeLookup:
    """``node(id)`` / ``area(id)``-style root: the visible object a global id names."""

    types: tuple[str, ...] | None = None  # restricted to these type names; None = any mapped Node type
    many: bool = False


Spec = Column | GlobalId | Computed | Ref | Rows | Through | Count | Ancestors | NodeLookup


@dataclass
class TypeMap:
    """A GraphQL object type (or, with ``variants``, an interface) and its table."""

    name: str
    model: type[Model] | None = None
    fields: dict[str, Spec] = field(default_factory=dict)
    # Scope: ``policy(viewer) -> Q``; None means core.access's policy for ``model``.
    policy: Callable[[Any], Q] | None = None
    # Extra condition a row must meet to be this type when looked up by global id (an area's level).
    node_where: Q | None = None
    # Interfaces: discriminator column and its value -> concrete type name.
    discriminator: str | None = None
    variants: dict[str, str] = field(default_factory=dict)


class MappingRegistry:
    """Every TypeMap of a schema, merged: a plugin's TypeMap for a core type adds fields."""

    def __init__(self, maps: list[TypeMap]):
        self.types: dict[str, TypeMap] = {}
        for tm in maps:
            have = self.types.get(tm.name)
            if have is None:
                self.types[tm.name] = TypeMap(
                    tm.name,
                    tm.model,
                    dict(tm.fields),
                    tm.policy,
                    tm.node_where,
                    tm.discriminator,
                    dict(tm.variants),
                )
                continue
            for name in tm.fields:
                if name in have.fields:
                    raise ValueError(f"SQL mapping of {tm.name}.{name} declared twice")
            have.fields.update(tm.fields)
            have.model = have.model or tm.model
            have.policy = have.policy or tm.policy
            have.node_where = have.node_where or tm.node_where

    def get(self, name: str) -> TypeMap:
        try:
            return self.types[name]
        except KeyError:
            raise Unsupported(f"type {name} has no SQL mapping") from None
