"""The compiled read path inside strawberry's pipeline.

:class:`CompiledReads` runs after parsing, validation (with the depth, alias
and token limits) and the security extensions. For a query it compiles each
root field; the compiled ones are read in ONE SQL statement whose JSON the
database builds, the others are left to graphql-core and the resolvers (the
document it executes keeps only them), and the two halves are merged in
response order. With ``LASTMILE_COMPILE_DEBUG`` (or, outside production, the
request header ``X-Lastmile-Compiled: debug``) the response's
``extensions.compiled`` lists what was compiled and why anything fell back.
"""

from __future__ import annotations

import asyncio
import logging
import time

import orjson
from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from core.api.budget import TIMEOUT, TOO_MANY_OBJECTS, charge
from core.compiler.build import MARKER, Builder
from core.compiler.cache import OperationPlan, PlanCache, plan_key
from core.compiler.dialect import Params
from core.compiler.execute import connection, dialect_of, run_raw
from core.compiler.mapping import MappingRegistry, Unsupported
from core.compiler.plan import Selection
from core.ids import encode_gid

log = logging.getLogger("lastmile.compiler")

DEBUG_HEADER = "x-lastmile-compiled"
TOO_DEEP = "too deeply nested for SQLite's parser"


class Compiler:
    """What the extension needs from the built schema (filled in by core.api.schema)."""

    def __init__(self, registry: MappingRegistry, settings):
        self.registry = registry
        self.settings = settings
        self.schema = None
        self.node_types: dict = {}  # type name -> core.api.relay.NodeSpec, as node(id) knows them
        self.plans = PlanCache()
        # Documents SQLite's parser refused (too deep): resolved without trying again.
        self.too_deep: dict[tuple, bool] = {}

    def extension(self):
        return CompiledReads(self)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        ops = [o for o in ops if o.name and o.name.value == name]
    return ops[0] if len(ops) == 1 or (ops and name) else None


def resolved_objects(data) -> int:
    """What the compiled JSON counts against the object cap: every object in it (a row, an
    edge, a connection) and every item of a list of scalars (tags), in one walk."""
    n, stack = 0, [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            n += 1
            stack.extend(v for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict | list):
                    stack.append(item)
                else:
                    n += 1
    return n - 1 if isinstance(data, dict) else n  # the root object is the response itself


def _with_selections(document: DocumentNode, op: OperationDefinitionNode, selections) -> DocumentNode:
    rest_op = OperationDefinitionNode(
        operation=op.operation,
        name=op.name,
        variable_definitions=op.variable_definitions,
        directives=op.directives,
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
    return DocumentNode(definitions=tuple(rest_op if d is op else d for d in document.definitions))


# ---------------------------------------------------------------- field-by-field fallback
# A field the compiler cannot express inside a compiled row comes back from the statement as
# {"__lm_deferred": i, "pk": row id}. Each marked row is looked up again with node(id) in the
# rest of the operation (graphql-core, the resolvers, DataLoaders batching the lookups), with
# the field's own selection under "... on Type", and its answer is put where the marker was.

LOOKUP = "lm_deferred_"


def find_markers(data) -> list[tuple]:
    """(container, key, deferred index, pk, response path) of every marker in ``data``, in
    response order (so that errors come in the order the resolver path reports them)."""
    out: list[tuple] = []

    def walk(value, path):
        for k, v in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(v, dict):
                if MARKER in v:
                    out.append((value, k, int(v[MARKER]), v["pk"], [*path, k]))
                else:
                    walk(v, [*path, k])
            elif isinstance(v, list):
                walk(v, [*path, k])

    walk(data, [])
    return out


def with_lookups(plan: OperationPlan, markers: list[tuple]) -> DocumentNode:
    op, keep = plan.operation
    lookups = []
    for n, (_, _, index, pk, _) in enumerate(markers):
        d = plan.deferred[index]
        lookups.append(
            FieldNode(
                alias=NameNode(value=f"{LOOKUP}{n}"),
                name=NameNode(value="node"),
                arguments=(
                    ArgumentNode(
                        name=NameNode(value="id"), value=StringValueNode(value=encode_gid(d.type_name, pk))
                    ),
                ),
                selection_set=SelectionSetNode(
                    selections=(
                        InlineFragmentNode(
                            type_condition=NamedTypeNode(name=NameNode(value=d.type_name)),
                            selection_set=SelectionSetNode(selections=d.nodes),
                        ),
                    )
                ),
            )
        )
    return _with_selections(plan.document, op, [*keep, *lookups])


def splice(plan: OperationPlan, markers: list[tuple], rest: dict, result: ExecutionResult) -> None:
    """Each looked-up field where its marker was; errors carry the field's real path."""
    paths = {}
    for n, (container, key, index, _, path) in enumerate(markers):
        found = rest.pop(f"{LOOKUP}{n}", None)
        container[key] = found.get(plan.deferred[index].key) if isinstance(found, dict) else None
        paths[f"{LOOKUP}{n}"] = path
    for error in result.errors or ():
        if error.path and error.path[0] in paths:
            error.path = [*paths[error.path[0]], *error.path[2:]]


def provided_name(ec) -> str | None:
    """The operationName of the request (strawberry's ``operation_name`` falls back to the document's)."""
    return getattr(ec, "_provided_operation_name", ec.operation_name)


class CompiledReads(SchemaExtension):
    def __init__(self, compiler: Compiler):
        self.compiler = compiler
        self.report: dict | None = None

    def _debug(self, context) -> bool:
        if self.compiler.settings.compile_debug:
            return True
        request = getattr(context, "request", None)
        headers = getattr(request, "headers", None)
        return (
            not self.compiler.settings.is_production
            and headers is not None
            and headers.get(DEBUG_HEADER, "").lower() == "debug"
        )

    async def on_execute(self):
        ec = self.execution_context
        settings = self.compiler.settings
        # Keyed by the operation name the request gave (None for a document's only operation), as
        # the fast path (core/compiler/fast.py) knows it without parsing the document.
        named = (ec.query, provided_name(ec))
        if (
            ec.result is not None
            or not settings.compile_reads
            or ec.graphql_document is None
            or named in self.compiler.too_deep
        ):
            if ec.result is None and named in self.compiler.too_deep and self._debug(ec.context):
                self.report = {"fields": [], "fallbacks": [{"field": "*", "reason": TOO_DEEP}]}
            yield
            return
        debug = self._debug(ec.context)
        started = time.perf_counter()
        conn = connection()
        dialect = dialect_of(conn)
        key = plan_key(ec.query, provided_name(ec), ec.variables, ec.context.viewer, dialect.name)
        plan = self.compiler.plans.get(key) if key is not None else None
        cached = plan is not None
        data = None
        try:
            if plan is None:
                plan, cacheable = await self._plan(ec, dialect)
                if cacheable and key is not None and plan is not None:
                    self.compiler.plans.put(key, plan)
            if plan is not None and plan.sql is not None:
                build_ms = (time.perf_counter() - started) * 1000
                raw = await run_raw(conn, plan.sql, plan.values)
                # The second line of defence (core.api.budget): the compiled rows count against the
                # request's object cap like the loaders' rows, and the deadline is checked here too.
                if plan.rest is None and not plan.deferred and not plan.scalar_lists:
                    # The whole answer, as the database wrote it: never decoded into Python objects
                    # (a dashboard of 9,000 residents is 300 KB of text, not 40,000 dicts), and
                    # counted by its objects' opening braces (a brace inside a string counts too:
                    # the cap errs on the safe side).
                    charge(raw.count("{" if isinstance(raw, str) else b"{") - 1)
                    data = orjson.Fragment(raw)
                else:
                    data = orjson.loads(raw)
                    charge(resolved_objects(data))
        except asyncio.CancelledError as exc:
            # The operation's deadline (or a client that went away) cancelled the build or the
            # statement. Nothing else runs; the cancellation is re-raised after the yield so that
            # it reaches core.api.budget's deadline (TIMEOUT) through strawberry's exit stack:
            # raised here, before the yield, the outer extensions would never see it.
            ec.result = ExecutionResult(data=None, errors=None)
            yield
            raise exc from None
        except GraphQLError as exc:
            if (exc.extensions or {}).get("code") not in (TIMEOUT, TOO_MANY_OBJECTS):
                raise
            # Over the cap or past the deadline: the request stops with that code and no data,
            # exactly as on the resolver path (never a fallback that would read the rows again).
            if debug:
                self.report = {
                    "fields": plan.fields if plan else [],
                    "fallbacks": plan.fallbacks if plan else [],
                    "statements": 1,
                    "refused": exc.extensions["code"],
                }
            ec.result = ExecutionResult(data=None, errors=[exc])
            yield
            return
        except Exception as exc:  # a compiler bug must not cost the request: the resolvers answer instead
            data = None
            if "parser stack overflow" in str(exc):
                # SQLite's parser has a fixed depth (YYSTACKDEPTH): very deep selections are resolved instead.
                if len(self.compiler.too_deep) < 1000:
                    self.compiler.too_deep[named] = True
                reason = {"fallbacks": [{"field": "*", "reason": TOO_DEEP}]}
            else:
                log.exception("compiled read failed; falling back to the resolvers")
                reason = {"fallbacks": [], "error": "the compiled statement failed; resolvers answered"}
            if debug:
                self.report = {"fields": [], **reason}
            yield
            return
        if plan is None:
            yield
            return
        if debug:
            self.report = {"fields": plan.fields, "fallbacks": plan.fallbacks}
            if data is not None:
                self.report.update(statements=1, cached=cached, build_ms=round(build_ms, 3))
                if settings.compile_debug:
                    self.report["sql"] = plan.sql
        if data is None:
            yield
            return
        if isinstance(data, orjson.Fragment):
            ec.result = ExecutionResult(data=data, errors=None)
            yield
            return
        markers = find_markers(data) if plan.deferred else []
        if debug and plan.deferred:
            self.report["deferred"] = len(markers)
        if plan.rest is None and not markers:
            ec.result = ExecutionResult(data={k: data[k] for k in plan.order}, errors=None)
            yield
            return
        ec.graphql_document = plan.rest if not markers else with_lookups(plan, markers)
        yield
        result = ec.result
        if result is not None and result.data is not None:
            rest = result.data
            if markers:
                splice(plan, markers, rest, result)
            result.data = {
                k: data[k] if k in plan.compiled else rest[k]
                for k in plan.order
                if k in plan.compiled or k in rest
            }

    async def _plan(self, ec, dialect) -> tuple[OperationPlan | None, bool]:
        """The operation's plan (None when it is not a query or its variables do not coerce) and
        whether it may be remembered."""
        document: DocumentNode = ec.graphql_document
        op = _operation(document, ec.operation_name)
        if op is None or op.operation != OperationType.QUERY:
            return None, False
        schema = self.compiler.schema
        coerced = get_variable_values(schema._schema, op.variable_definitions or (), ec.variables or {})
        if isinstance(coerced, list):
            return None, False  # graphql-core reports the variable errors
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        sel = Selection(schema, fragments, coerced)
        roots = sel.collect("Query", [FieldNode(name=None, selection_set=op.selection_set)])
        order = list(roots)
        params = Params(dialect.postgres)
        builder = Builder(sel, self.compiler.registry, dialect, params, ec.context, self.compiler.node_types)
        query_map = self.compiler.registry.get("Query")
        pairs: list[tuple[str, str]] = []
        fields, fallbacks = [], []
        for key, nodes in roots.items():
            name = nodes[0].name.value
            spec = query_map.fields.get(name)
            if spec is None:
                fallbacks.append({"field": key, "reason": f"Query.{name} has no SQL mapping"})
                continue
            mark, deferred = len(params.values), len(builder.deferred)
            try:
                pairs.append((key, await builder.field(query_map, spec, "", nodes, key)))
                fields.append(key)
            except Unsupported as exc:
                del params.values[mark:]
                del builder.deferred[deferred:]
                fallbacks.append({"field": key, "reason": str(exc)})
        plain = all(isinstance(s, FieldNode) for s in op.selection_set.selections)
        if pairs and len(pairs) < len(roots) and not plain:
            fallbacks.append({"field": "*", "reason": "fragments at the root: resolved together"})
            pairs, fields = [], []
        if not pairs:
            return OperationPlan(None, [], order, frozenset(), fields, fallbacks), builder.cacheable
        # Fields inside compiled rows left to their resolvers: listed, the rest of each root compiled.
        for d in builder.deferred:
            fallbacks.append({"field": d.path, "reason": d.reason, "resolved": "field"})
        compiled = frozenset(k for k, _ in pairs)
        keep = [
            s
            for s in op.selection_set.selections
            if (s.alias.value if s.alias else s.name.value) not in compiled
        ]
        rest = _with_selections(document, op, keep) if len(pairs) < len(roots) else None
        sql = f"SELECT {dialect.obj(pairs)} AS lm_json"
        if builder.ctes:
            sql = "WITH " + ", ".join(builder.ctes) + " " + sql
        return OperationPlan(
            sql,
            list(params.values),
            order,
            compiled,
            fields,
            fallbacks,
            rest,
            deferred=list(builder.deferred),
            document=document,
            operation=(op, tuple(keep)),
            scalar_lists=builder.scalar_lists,
        ), builder.cacheable

    def get_results(self):
        return {"compiled": self.report} if self.report is not None else {}
