"""SQL for a collected selection: every value is built by the database as JSON.

One root field -> one SQL expression. Nested objects are correlated scalar
subqueries, lists are ``json_agg``/``json_group_array`` over the child rows,
connections page in SQL (LIMIT n+1 / OFFSET from the cursor; a window of
``row_number()`` and ``count(*) OVER ()`` when ``last`` or ``before`` need the
total). The viewer's scope is a condition on every table read.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLNonNull

from core.access import policy_q
from core.api.relay import DEFAULT_PAGE, decode_cursor, decode_keyset, keyset_keys, keyset_q
from core.compiler.dialect import Dialect, Params, lit
from core.compiler.mapping import (
    Ancestors,
    Column,
    Computed,
    Count,
    GlobalId,
    MappingRegistry,
    NodeLookup,
    Ref,
    Rows,
    Through,
    TypeMap,
    Unsupported,
)
from core.compiler.plan import Selection
from core.compiler.where import q_sql
from core.errors import ApiError
from core.ids import canonical_int, decode_gid

PAGE_ARGS = frozenset({"first", "after", "last", "before"})
# SQLite: objects this deep (a root field's rows are depth 1) are hoisted into CTEs.
HOIST_DEPTH = 2
MARKER = "__lm_deferred"  # key of the object standing in for a field left to its resolver


@dataclass(frozen=True)
class Deferred:
    """A field of a compiled row that its resolver answers (type, response key, its nodes)."""

    type_name: str
    key: str
    nodes: tuple[FieldNode, ...]
    path: str
    reason: str


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _WatchedInfo:
    """The ``info`` a filter function receives: reaching for the context marks the build
    as not to be remembered (the filter may read data that can change)."""

    def __init__(self, builder: Builder):
        self._builder = builder

    @property
    def context(self):
        return _WatchedContext(self._builder)


class _WatchedContext:
    """The request context as a filter sees it: the viewer is part of the plan's key (a
    filter may depend on what the viewer may see, e.g. core.pii's age cuts); anything else
    marks the build as not to be remembered."""

    def __init__(self, builder: Builder):
        self._builder = builder

    @property
    def viewer(self):
        return self._builder.viewer

    def __getattr__(self, name):
        self._builder.cacheable = False
        return getattr(self._builder.context, name)


class Builder:
    def __init__(
        self,
        selection: Selection,
        registry: MappingRegistry,
        dialect: Dialect,
        params: Params,
        context,
        node_types: dict,
    ):
        self.sel = selection
        self.registry = registry
        self.d = dialect
        self.params = params
        self.context = context
        self.viewer = context.viewer
        self.node_types = node_types  # type name -> NodeSpec, for every type node(id) knows (mapped or not)
        self._n = 0
        self._today: str | None = None
        # False once a filter looked at the request context (it may read data, e.g. an area by id).
        self.cacheable = True
        self.deferred: list[Deferred] = []  # fields left to their resolvers, by marker index
        self.unscoped: set[str] = set()  # aliases of rows read without the viewer's scope
        self.ctes: list[str] = []  # SQLite: objects hoisted out of the nesting (see hoist)
        self._depth = 0
        # Lists whose items are not objects (tags, nodes' nulls): the object cap counts them
        # one by one, so the answer is decoded to count (core.compiler.extension).
        self.scalar_lists = False

    # ------------------------------------------------------------ helpers

    def alias(self) -> str:
        self._n += 1
        return f"t{self._n}"

    def today(self) -> str:
        if self._today is None:
            self._today = self.d.today(self.params)
        return self._today

    def col(self, alias: str, column: str) -> str:
        return f"{_q(alias)}.{_q(column)}"

    def scope(self, tm: TypeMap, alias: str, unscoped: bool = False) -> list[str]:
        if unscoped:
            return []
        q = tm.policy(self.viewer) if tm.policy else policy_q(self.viewer, tm.model)
        cond = q_sql(tm.model, q, alias, self.params)
        return [cond] if cond else []

    def order_sql(self, alias: str, order: tuple[str, ...], reverse: bool = False) -> str:
        parts = []
        for item in order:
            desc = item.startswith("-")
            name = item.lstrip("-")
            if name.startswith("year:"):  # the year of a date column (core.pii's coarse birth order)
                expr = self.d.year(self.col(alias, name[5:]))
            else:
                expr = self.col(alias, name)
            parts.append(f"{expr} {'DESC' if desc != reverse else 'ASC'}")
        return ", ".join(parts)

    def order_of(self, spec: Rows, args: dict) -> tuple[str, ...]:
        """``spec.order(args)``, or ``spec.order(args, viewer)`` for an order that depends on
        what the viewer may see (the birth-date order of core.pii)."""
        if not callable(spec.order):
            return spec.order
        try:
            takes_viewer = len(inspect.signature(spec.order).parameters) >= 2
        except (TypeError, ValueError):
            takes_viewer = False
        return spec.order(args, self.viewer) if takes_viewer else spec.order(args)

    async def call_where(self, where, args: dict) -> Any:
        if where is None:
            return None
        if not callable(where):
            return where
        try:
            value = where(args, _WatchedInfo(self))
            if inspect.isawaitable(value):
                value = await value
        except ApiError as exc:
            # The resolvers raise the same error with its path and code.
            raise Unsupported(f"invalid arguments ({exc})") from None
        return value

    # ------------------------------------------------------------ objects

    def target_map(self, name: str) -> TypeMap:
        return self.registry.get(name)

    async def value(self, type_name: str, alias: str, nodes: list[FieldNode], path: str) -> str:
        """The JSON object of the row ``alias`` as GraphQL type ``type_name`` (an interface with
        variants becomes a CASE over its discriminator: per field where the variants select the
        same keys, else per object)."""
        tm = self.target_map(type_name)
        self._depth += 1
        depth = self._depth
        try:
            value = await self._value(tm, alias, nodes, path)
        finally:
            self._depth -= 1
        if self.d.postgres or depth < HOIST_DEPTH or tm.model is None:
            return value
        return self.hoist(tm, alias, value)

    def hoist(self, tm: TypeMap, alias: str, value: str) -> str:
        """SQLite's parser has a fixed stack (YYSTACKDEPTH, 100 entries: about five nested
        lists): a deeper object is computed in a common table expression over its table and
        read back by primary key, so the statement's text nests only one level per hoisted
        object. NOT MATERIALIZED: SQLite folds the CTE into the lookup (an INTEGER PRIMARY KEY
        search per row), never computing objects of rows that are not read."""
        name = f"lm_c{len(self.ctes) + 1}"
        self.ctes.append(
            f'{name} AS NOT MATERIALIZED (SELECT {_q(alias)}."id" AS lm_id, {value} AS lm_j '
            f"FROM {_q(tm.model._meta.db_table)} {_q(alias)})"
        )
        return f"json((SELECT h.lm_j FROM {name} h WHERE h.lm_id = {self.col(alias, 'id')}))"

    async def _value(self, tm: TypeMap, alias: str, nodes: list[FieldNode], path: str) -> str:
        if not tm.variants:
            return await self.object(tm, alias, nodes, path)
        variants = [(disc, self.target_map(concrete)) for disc, concrete in tm.variants.items()]
        collected = [self.sel.collect(vtm.name, nodes) for _, vtm in variants]
        disc_col = self.col(alias, tm.discriminator)
        if all(list(c) == list(collected[0]) for c in collected):
            pairs = []
            for key in collected[0]:
                name = collected[0][key][0].name.value
                same_nodes = all(
                    [id(n) for n in c[key]] == [id(n) for n in collected[0][key]] for c in collected
                )
                specs = [vtm.fields.get(name) for _, vtm in variants]
                shared = (
                    name != "__typename"
                    and same_nodes
                    and specs[0] is not None
                    and not isinstance(specs[0], GlobalId)
                    and all(sp == specs[0] for sp in specs)
                )
                if shared:
                    pairs.append(
                        (
                            key,
                            await self.field(
                                variants[0][1], specs[0], alias, collected[0][key], f"{path}.{key}"
                            ),
                        )
                    )
                    continue
                branches = []
                for (disc, vtm), c in zip(variants, collected, strict=True):
                    expr = await self._one(vtm, alias, key, c[key], path)
                    branches.append(f"WHEN {lit(disc)} THEN {expr}")
                pairs.append((key, f"CASE {disc_col} {' '.join(branches)} END"))
            return self.d.obj(pairs)
        branches = []
        for disc, vtm in variants:
            obj = await self.object(vtm, alias, nodes, path)
            branches.append(f"WHEN {lit(disc)} THEN {obj}")
        case = f"CASE {disc_col} {' '.join(branches)} END"
        return case if self.d.postgres else f"json({case})"

    async def _one(self, tm: TypeMap, alias: str, key: str, field_nodes: list[FieldNode], path: str) -> str:
        name = field_nodes[0].name.value
        if name == "__typename":
            return lit(tm.name)
        spec = tm.fields.get(name)
        mark, n, deferred = len(self.params.values), self._n, len(self.deferred)
        try:
            if spec is None:
                raise Unsupported(f"{path}.{key}: {tm.name}.{name} has no SQL mapping")
            return await self.field(tm, spec, alias, field_nodes, f"{path}.{key}")
        except Unsupported as exc:
            if not self.can_defer(tm, alias, name):
                raise
            del self.params.values[mark:]
            del self.deferred[deferred:]
            self._n = n
            return self.defer(tm, alias, key, field_nodes, f"{path}.{key}", str(exc))

    # ------------------------------------------------------------ field-by-field fallback

    def can_defer(self, tm: TypeMap, alias: str, name: str) -> bool:
        """A field the compiler cannot express is left to its resolver when ``node(id)`` finds
        the row again (a Node type, read within the viewer's scope, not an unscoped context row)
        and the field is nullable: an error in it then nulls the field alone, as on the resolver
        path. A non-null one goes up to its parent field."""
        if tm.name not in self.node_types or tm.model is None or alias in self.unscoped:
            return False
        try:
            return not isinstance(self.sel.field_def(tm.name, name).type, GraphQLNonNull)
        except Unsupported:
            return False

    def defer(self, tm: TypeMap, alias: str, key: str, nodes: list[FieldNode], path: str, reason: str) -> str:
        """A marker in place of the value: which deferred field, and the row's primary key.
        core.compiler.extension resolves the marked fields after the statement, through
        ``node(id)`` and the field's own resolver, in the same operation."""
        index = len(self.deferred)
        self.deferred.append(Deferred(tm.name, key, tuple(nodes), path, reason))
        return self.d.obj([(MARKER, str(index)), ("pk", self.col(alias, "id"))])

    async def object(self, tm: TypeMap, alias: str, nodes: list[FieldNode], path: str) -> str:
        pairs = []
        for key, field_nodes in self.sel.collect(tm.name, nodes).items():
            pairs.append((key, await self._one(tm, alias, key, field_nodes, path)))
        return self.d.obj(pairs)

    async def field(self, tm: TypeMap, spec, alias: str, nodes: list[FieldNode], path: str) -> str:
        node = nodes[0]
        name = node.name.value
        if (
            isinstance(spec, Column | GlobalId | Computed | Count | Ancestors | Ref | Through)
            and node.arguments
        ):
            args = self.sel.arguments(tm.name, node)
            if any(v is not None for v in args.values()):
                raise Unsupported(f"{path}: arguments are not compiled")
        if isinstance(spec, Column):
            return self.column(spec, alias)
        if isinstance(spec, GlobalId):
            return self.d.gid(tm.name, self.col(alias, "id"))
        if isinstance(spec, Computed):
            return spec.sql(self, alias)
        ret = self.sel.return_type(tm.name, name)
        if isinstance(spec, Ref):
            return await self.ref(spec, ret, alias, nodes, path)
        if isinstance(spec, Count):
            return self.count(spec, alias)
        if isinstance(spec, Ancestors):
            return await self.ancestors(spec, ret, alias, nodes, path)
        if isinstance(spec, Through):
            return await self.through(spec, ret, alias, nodes, path)
        if isinstance(spec, Rows):
            args = self.sel.arguments(tm.name, node)
            return await self.rows(spec, ret, tm, alias, args, nodes, path)
        if isinstance(spec, NodeLookup):
            args = self.sel.arguments(tm.name, node)
            return await self.lookup(spec, args, nodes, path)
        raise Unsupported(f"{path}: unknown spec {type(spec).__name__}")

    def column(self, spec: Column, alias: str) -> str:
        c = self.col(alias, spec.column)
        kind = spec.kind
        if kind == "bool":
            return self.d.boolean(c)
        if kind == "date":
            return self.d.date(c)
        if kind == "datetime":
            return self.d.datetime(c)
        if kind == "float":
            return self.d.float(c)
        if kind == "tags":
            self.scalar_lists = True
            return self.d.tags(c)
        if kind == "id":
            return f"CAST({c} AS TEXT)"
        return c

    # ------------------------------------------------------------ relations

    async def ref(self, spec: Ref, ret: str, alias: str, nodes, path) -> str:
        tm = self.target_map(spec.target if spec.target else ret)
        a = self.alias()
        if spec.unscoped:
            self.unscoped.add(a)
        conds = [
            f"{self.col(a, spec.target_column)} = {self.col(alias, spec.column)}",
            *self.scope(tm, a, spec.unscoped),
        ]
        obj = await self.value(tm.name, a, nodes, path)
        return self.d.sub(
            f"SELECT {obj} FROM {_q(tm.model._meta.db_table)} {_q(a)} WHERE {' AND '.join(conds)}"
        )

    def count(self, spec: Count, alias: str) -> str:
        a = self.alias()
        tm = TypeMap(name="", model=spec.model)
        conds = [f"{self.col(a, spec.fk)} = {self.col(alias, spec.parent_column)}", *self.scope(tm, a)]
        extra = q_sql(spec.model, spec.where, a, self.params)
        if extra:
            conds.append(extra)
        return f"(SELECT count(*) FROM {_q(spec.model._meta.db_table)} {_q(a)} WHERE {' AND '.join(conds)})"

    async def ancestors(self, spec: Ancestors, ret: str, alias: str, nodes, path) -> str:
        if not spec.columns:
            return "'[]'::json" if self.d.postgres else "json('[]')"
        tm = self.target_map(spec.target)
        a = self.alias()
        refs = [self.col(alias, c) for c in spec.columns]
        ordinal = (
            "CASE "
            + " ".join(f"WHEN {self.col(a, 'id')} = {r} THEN {i}" for i, r in enumerate(refs))
            + " END"
        )
        conds = [f"{self.col(a, 'id')} IN ({', '.join(refs)})", *self.scope(tm, a)]
        inner = (
            f"SELECT {_q(a)}.*, {ordinal} AS lm_ord FROM {_q(tm.model._meta.db_table)} {_q(a)} "
            f"WHERE {' AND '.join(conds)} ORDER BY lm_ord"
        )
        obj = await self.value(tm.name, a, nodes, path)
        return self.d.sub(f"SELECT {self.d.agg(obj, self.col(a, 'lm_ord'))} FROM ({inner}) {_q(a)}")

    async def through(self, spec: Through, ret: str, alias: str, nodes, path) -> str:
        tm = self.target_map(spec.target)
        a, link = self.alias(), self.alias()
        link_map = TypeMap(name="", model=spec.link_model)
        conds = [
            f"{self.col(link, spec.link_fk)} = {self.col(alias, 'id')}",
            *self.scope(link_map, link),
            *self.scope(tm, a),
        ]
        inner = (
            f"SELECT {_q(a)}.*, {self.col(link, 'id')} AS lm_ord FROM {_q(spec.link_model._meta.db_table)} {_q(link)} "
            f"JOIN {_q(tm.model._meta.db_table)} {_q(a)} ON {self.col(a, 'id')} = {self.col(link, spec.link_target)} "
            f"WHERE {' AND '.join(conds)} ORDER BY lm_ord"
        )
        obj = await self.value(tm.name, a, nodes, path)
        return self.d.sub(f"SELECT {self.d.agg(obj, self.col(a, 'lm_ord'))} FROM ({inner}) {_q(a)}")

    async def lookup(self, spec: NodeLookup, args: dict, nodes, path) -> str:
        if spec.many:
            self.scalar_lists = True  # its nulls count as items
            ids = args.get("ids") or []
            if len(ids) > self.context.runtime.settings.max_page_size:
                raise Unsupported(f"{path}: too many ids (the resolvers report it)")
            items = [await self.one_node(spec, gid, nodes, path) for gid in ids]
            return self.d.array(items) if items else ("'[]'::json" if self.d.postgres else "json('[]')")
        return await self.one_node(spec, args.get("id"), nodes, path)

    async def one_node(self, spec: NodeLookup, gid, nodes, path) -> str:
        null = "NULL"
        parts = decode_gid(gid) if isinstance(gid, str) else None
        if parts is None:
            return null
        type_name, raw = parts
        if spec.types is not None and type_name not in spec.types:
            return null
        if type_name not in self.node_types:
            return null
        pk = canonical_int(raw)
        if pk is None:
            return null
        tm = self.target_map(type_name)
        node_spec = self.node_types[type_name]
        if getattr(node_spec, "accepts", None) is not None and tm.node_where is None:
            # node(id) checks the loaded row in Python; without the same check in SQL, resolve it there.
            raise Unsupported(f"{path}: {type_name}'s node check has no SQL form (TypeMap.node_where)")
        a = self.alias()
        conds = [f"{self.col(a, 'id')} = {self.params.add(pk)}", *self.scope(tm, a)]
        extra = q_sql(tm.model, tm.node_where, a, self.params)
        if extra:
            conds.append(extra)
        obj = await self.object(tm, a, nodes, path)
        return self.d.sub(
            f"SELECT {obj} FROM {_q(tm.model._meta.db_table)} {_q(a)} WHERE {' AND '.join(conds)}"
        )

    # ------------------------------------------------------------ lists and connections

    async def rows(self, spec: Rows, ret: str, parent: TypeMap, alias: str, args: dict, nodes, path) -> str:
        allowed = spec.args | spec.pages
        for name, v in args.items():
            if v is not None and name not in allowed:
                raise Unsupported(f"{path}: argument {name} is not compiled")
        item_type = spec.target
        tm = self.target_map(item_type)
        table = _q(tm.model._meta.db_table)
        where_q = await self.call_where(spec.where, args)
        order = self.order_of(spec, args)

        def conds(a: str, *more) -> list[str]:
            out = []
            if spec.fk is not None:
                out.append(f"{self.col(a, spec.fk)} = {self.col(alias, spec.parent_column)}")
            out += self.scope(tm, a)
            for q in (where_q, *more):
                extra = q_sql(tm.model, q, a, self.params)
                if extra:
                    out.append(extra)
            return out

        def where_of(a: str, *more) -> str:
            c = conds(a, *more)
            return f" WHERE {' AND '.join(c)}" if c else ""

        a = self.alias()
        if spec.single:
            obj = await self.value(item_type, a, nodes, path)
            inner = f"SELECT {_q(a)}.* FROM {table} {_q(a)}{where_of(a)} ORDER BY {self.order_sql(a, order)} LIMIT 1"
            return self.d.sub(f"SELECT {obj} FROM ({inner}) {_q(a)}")
        if not spec.connection:
            window = ""
            if spec.pages:  # a plain list paged like a connection's window (first/after)
                first, after, _, _ = self._page_args(args, path)
                start = after + 1 if after is not None else 0
                window = f" LIMIT {first if first is not None else DEFAULT_PAGE} OFFSET {start}"
            obj = await self.value(item_type, a, nodes, path)
            inner = f"SELECT {_q(a)}.* FROM {table} {_q(a)}{where_of(a)} ORDER BY {self.order_sql(a, order)}{window}"
            return self.d.sub(f"SELECT {self.d.agg(obj, self.order_sql(a, order))} FROM ({inner}) {_q(a)}")
        if spec.fk is None:
            # A root connection pages by keyset, as core.api.relay.connection_from_queryset does.
            fence = self.d.postgres and spec.index_first is not None and spec.index_first(args)
            return await self.keyset_connection(
                ret, item_type, tm, table, order, args, where_of, a, nodes, path, fence
            )
        return await self.connection(spec, ret, item_type, table, order, args, where_of, a, nodes, path)

    def _page_args(self, args: dict, path: str):
        limit = self.context.runtime.settings.max_page_size
        first, last = args.get("first"), args.get("last")
        for name, v in (("first", first), ("last", last)):
            if v is not None and (v < 0 or v > limit):
                raise Unsupported(f"{path}: `{name}` out of range (the resolvers report it)")
        try:
            after = decode_cursor(args["after"]) if args.get("after") else None
            before = decode_cursor(args["before"]) if args.get("before") else None
        except ApiError:
            raise Unsupported(f"{path}: invalid cursor (the resolvers report it)") from None
        return first, after, last, before

    async def connection(
        self, spec, conn_type, item_type, table, order, args, where_of, a, nodes, path
    ) -> str:
        first, after, last, before = self._page_args(args, path)
        collected = self.sel.collect(conn_type, nodes)
        if not {n[0].name.value for n in collected.values()} & {"edges", "pageInfo"}:
            # Only totalCount: no page to read (and no FROM, so that the object is one row even when none match).
            only = []
            for key, field_nodes in collected.items():
                if field_nodes[0].name.value == "__typename":
                    only.append((key, lit(conn_type)))
                else:
                    x = self.alias()
                    only.append((key, f"(SELECT count(*) FROM {table} {_q(x)}{where_of(x)})"))
            return self.d.sub(f"SELECT {self.d.obj(only)}")
        rn, cnt = self.col(a, "lm_rn"), "count(*)"
        fast = last is None and before is None and first != 0
        if fast:
            start = after + 1 if after is not None else 0
            n = first if first is not None else DEFAULT_PAGE
            # Numbered after LIMIT: the window sorts n+1 rows, not every matching row.
            page_rows = (
                f"SELECT {_q(a)}.* FROM {table} {_q(a)}{where_of(a)} ORDER BY {self.order_sql(a, order)} "
                f"LIMIT {n + 1} OFFSET {start}"
            )
            inner = (
                f"SELECT {_q(a)}.*, row_number() OVER (ORDER BY {self.order_sql(a, order)}) + {start - 1} AS lm_rn "
                f"FROM ({page_rows}) {_q(a)} ORDER BY {self.order_sql(a, order)}"
            )
            in_page = f"{rn} < {start + n}"
            if start == 0:
                has_prev = "false" if self.d.postgres else "0"
            else:
                # Built only if selected: an unused bound parameter has no type on PostgreSQL.
                def has_prev():
                    x = self.alias()
                    return f"({cnt} > 0 OR EXISTS (SELECT 1 FROM {table} {_q(x)}{where_of(x)}))"

            page = {
                "hasNextPage": f"{cnt} > {n}",
                "hasPreviousPage": has_prev,
                "startCursor": self.d.cursor(f"min({rn})"),
                # LEAST ignores NULL on PostgreSQL: an empty page must keep a null cursor.
                "endCursor": self.d.cursor(
                    f"CASE WHEN {cnt} > 0 THEN {self.d.least(f'max({rn})', str(start + n - 1))} END"
                ),
            }
        else:
            total = self.col(a, "lm_total")
            s = str(after + 1) if after is not None else "0"
            stop = self.d.least(str(before), total) if before is not None else total
            s = self.d.least(s, stop)
            if first is not None:
                stop = self.d.least(stop, f"{s} + {first}")
            if last is not None:
                s = self.d.greatest(s, f"{stop} - {last}")
            if first is None and last is None:
                stop = self.d.least(stop, f"{s} + {DEFAULT_PAGE}")
            w = self.alias()
            base = (
                f"SELECT {_q(w)}.*, row_number() OVER (ORDER BY {self.order_sql(w, order)}) - 1 AS lm_rn, "
                f"count(*) OVER () AS lm_total FROM {table} {_q(w)}{where_of(w)}"
            )
            total_a = self.col(a, "lm_total")
            s_sql = s.replace(total, total_a)
            stop_sql = stop.replace(total, total_a)
            inner = (
                f"SELECT {_q(a)}.*, {s_sql} AS lm_s, {stop_sql} AS lm_e FROM ({base}) {_q(a)} "
                f"ORDER BY {_q(a)}.lm_rn"
            )
            in_page = f"{rn} >= {self.col(a, 'lm_s')} AND {rn} < {self.col(a, 'lm_e')}"
            false = "false" if self.d.postgres else "0"
            page = {
                "hasNextPage": f"coalesce(max({self.col(a, 'lm_e')}) < max({total_a}), {false})",
                "hasPreviousPage": f"coalesce(max({self.col(a, 'lm_s')}) > 0, {false})",
                "startCursor": self.d.cursor(f"min({rn}) FILTER (WHERE {in_page})"),
                "endCursor": self.d.cursor(f"max({rn}) FILTER (WHERE {in_page})"),
            }
        pairs = []
        for key, field_nodes in collected.items():
            name = field_nodes[0].name.value
            sub = f"{path}.{key}"
            if name == "__typename":
                pairs.append((key, lit(conn_type)))
            elif name == "totalCount":
                if fast:
                    x = self.alias()
                    pairs.append((key, f"(SELECT count(*) FROM {table} {_q(x)}{where_of(x)})"))
                else:
                    pairs.append((key, f"coalesce(max({self.col(a, 'lm_total')}), 0)"))
            elif name == "pageInfo":
                info_type = self.sel.return_type(conn_type, "pageInfo")
                info_pairs = []
                for ikey, inodes in self.sel.collect(info_type, field_nodes).items():
                    iname = inodes[0].name.value
                    if iname == "__typename":
                        info_pairs.append((ikey, lit(info_type)))
                    elif iname in ("hasNextPage", "hasPreviousPage"):
                        value = page[iname]
                        info_pairs.append((ikey, self.d.boolean(value() if callable(value) else value)))
                    elif iname in page:
                        info_pairs.append((ikey, page[iname]))
                    else:
                        raise Unsupported(f"{sub}.{ikey}: unknown PageInfo field")
                pairs.append((key, self.d.obj(info_pairs)))
            elif name == "edges":
                edge_type = self.sel.return_type(conn_type, "edges")
                edge_pairs = []
                for ekey, enodes in self.sel.collect(edge_type, field_nodes).items():
                    ename = enodes[0].name.value
                    if ename == "__typename":
                        edge_pairs.append((ekey, lit(edge_type)))
                    elif ename == "cursor":
                        edge_pairs.append((ekey, self.d.cursor(rn)))
                    elif ename == "node":
                        edge_pairs.append((ekey, await self.value(item_type, a, enodes, f"{sub}.{ekey}")))
                    else:
                        raise Unsupported(f"{sub}.{ekey}: unknown Edge field")
                pairs.append((key, self.d.agg_filtered(self.d.obj(edge_pairs), rn, in_page)))
            else:
                raise Unsupported(f"{sub}: unknown connection field {name}")
        return self.d.sub(f"SELECT {self.d.obj(pairs)} FROM ({inner}) {_q(a)}")

    # ------------------------------------------------------------ keyset pages (root connections)

    def key_sql(self, key, alias: str) -> str:
        """A key column as the cursor spells it (core.api.relay.key_json)."""
        c = self.col(alias, key.column)
        if key.kind == "bool":  # SQLite would spell it 0/1 where the resolvers write false/true
            raise Unsupported(f"{key.column}: a boolean order key (the resolvers page it)")
        if key.kind == "date":
            return self.d.date(c)
        if key.kind == "datetime":
            return self.d.datetime(c)
        if key.kind == "year":
            return self.d.year_int(c)
        return c

    def keyset_cursor(self, keys, alias: str) -> str:
        return self.d.keyset([self.key_sql(k, alias) for k in keys])

    async def keyset_connection(
        self, conn_type, item_type, tm, table, order, args, where_of, a, nodes, path, fence: bool = False
    ) -> str:
        limit = self.context.runtime.settings.max_page_size
        first, last = args.get("first"), args.get("last")
        for name, v in (("first", first), ("last", last)):
            if v is not None and (v < 0 or v > limit):
                raise Unsupported(f"{path}: `{name}` out of range (the resolvers report it)")
        if first is not None and last is not None:
            raise Unsupported(f"{path}: `first` and `last` together are paged by the resolvers")
        try:
            keys = keyset_keys(tm.model, order)
        except ValueError as exc:
            raise Unsupported(f"{path}: {exc}") from None
        after, before = args.get("after"), args.get("before")
        bounds = []
        try:
            for cursor, forward in ((after, True), (before, False)):
                if cursor:
                    bounds.append(keyset_q(keys, decode_keyset(cursor, keys), forward, self.d.postgres))
        except ApiError:
            raise Unsupported(f"{path}: invalid cursor (the resolvers report it)") from None
        collected = self.sel.collect(conn_type, nodes)
        if not {n[0].name.value for n in collected.values()} & {"edges", "pageInfo"}:
            # Only totalCount: no page to read (and no parameter of one: an unused one has no type).
            only = []
            for key, field_nodes in collected.items():
                x = self.alias()
                only.append(
                    (
                        key,
                        lit(conn_type)
                        if field_nodes[0].name.value == "__typename"
                        else f"(SELECT count(*) FROM {table} {_q(x)}{where_of(x)})",
                    )
                )
            return self.d.sub(f"SELECT {self.d.obj(only)}")
        backwards = last is not None
        n = last if backwards else (first if first is not None else DEFAULT_PAGE)
        walk = tuple((o[1:] if o.startswith("-") else "-" + o) for o in order) if backwards else order
        rn, cnt = self.col(a, "lm_rn"), self.col(a, "lm_cnt")
        false, true = ("false", "true") if self.d.postgres else ("0", "1")
        source = f"{table} {_q(a)}{where_of(a, *bounds)}"
        if fence:
            # OFFSET 0 keeps the planner from walking the order's index past rows the filter rejects.
            source = f"(SELECT {_q(a)}.* FROM {source} OFFSET 0) {_q(a)}"
        page_rows = f"SELECT {_q(a)}.* FROM {source} ORDER BY {self.order_sql(a, walk)} LIMIT {n + 1}"
        # Numbered in walking order (the extra row is the last one), handed on in the list's order.
        inner = (
            f"SELECT {_q(a)}.*, row_number() OVER (ORDER BY {self.order_sql(a, walk)}) AS lm_rn, "
            f"count(*) OVER () AS lm_cnt FROM ({page_rows}) {_q(a)} ORDER BY {self.order_sql(a, order)}"
        )
        in_page = f"{rn} <= {n}"
        cursor = self.keyset_cursor(keys, a)
        near = f"max(CASE WHEN {rn} = {min(1, n)} THEN {cursor} END)"
        far = f"max(CASE WHEN {rn} = {self.d.least(cnt, str(n))} THEN {cursor} END)"
        more = f"count(*) > {n}"
        page = {
            "hasNextPage": (true if before else false) if backwards else more,
            "hasPreviousPage": more if backwards else (true if after else false),
            "startCursor": far if backwards else near,
            "endCursor": near if backwards else far,
        }
        pairs = []
        for key, field_nodes in collected.items():
            name = field_nodes[0].name.value
            sub = f"{path}.{key}"
            if name == "__typename":
                pairs.append((key, lit(conn_type)))
            elif name == "totalCount":
                x = self.alias()
                pairs.append((key, f"(SELECT count(*) FROM {table} {_q(x)}{where_of(x)})"))
            elif name == "pageInfo":
                info_type = self.sel.return_type(conn_type, "pageInfo")
                info_pairs = []
                for ikey, inodes in self.sel.collect(info_type, field_nodes).items():
                    iname = inodes[0].name.value
                    if iname == "__typename":
                        info_pairs.append((ikey, lit(info_type)))
                    elif iname in ("hasNextPage", "hasPreviousPage"):
                        info_pairs.append((ikey, self.d.boolean(page[iname])))
                    elif iname in page:
                        info_pairs.append((ikey, page[iname]))
                    else:
                        raise Unsupported(f"{sub}.{ikey}: unknown PageInfo field")
                pairs.append((key, self.d.obj(info_pairs)))
            elif name == "edges":
                edge_type = self.sel.return_type(conn_type, "edges")
                edge_pairs = []
                for ekey, enodes in self.sel.collect(edge_type, field_nodes).items():
                    ename = enodes[0].name.value
                    if ename == "__typename":
                        edge_pairs.append((ekey, lit(edge_type)))
                    elif ename == "cursor":
                        edge_pairs.append((ekey, cursor))
                    elif ename == "node":
                        edge_pairs.append((ekey, await self.value(item_type, a, enodes, f"{sub}.{ekey}")))
                    else:
                        raise Unsupported(f"{sub}.{ekey}: unknown Edge field")
                pairs.append(
                    (key, self.d.agg_filtered(self.d.obj(edge_pairs), self.order_sql(a, order), in_page))
                )
            else:
                raise Unsupported(f"{sub}: unknown connection field {name}")
        return self.d.sub(f"SELECT {self.d.obj(pairs)} FROM ({inner}) {_q(a)}")
