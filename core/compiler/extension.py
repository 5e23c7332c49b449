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

import logging

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from core.compiler.build import Builder
from core.compiler.dialect import Params
from core.compiler.execute import connection, dialect_of, run_json
from core.compiler.mapping import MappingRegistry, Unsupported
from core.compiler.plan import Selection

log = logging.getLogger("lastmile.compiler")

DEBUG_HEADER = "x-lastmile-compiled"
TOO_DEEP = "too deeply nested for SQLite's parser"


class Compiler:
    """What the extension needs from the built schema (filled in by core.api.schema)."""

    def __init__(self, registry: MappingRegistry, settings):
        self.registry = registry
        self.settings = settings
        self.schema = None
        self.node_types: set[str] = set()
        # Documents SQLite's parser refused (too deep): resolved without trying again.
        self.too_deep: dict[tuple, bool] = {}

    def extension(self):
        return CompiledReads(self)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        ops = [o for o in ops if o.name and o.name.value == name]
    return ops[0] if len(ops) == 1 or (ops and name) else None


class CompiledReads(SchemaExtension):
    def __init__(self, compiler: Compiler):
        self.compiler = compiler
        self.report: dict | None = None
        self._document = None

    def _debug(self, context) -> bool:
        if self.compiler.settings.compile_debug:
            return True
        request = getattr(context, "request", None)
        headers = getattr(request, "headers", None)
        return (not self.compiler.settings.is_production and headers is not None
                and headers.get(DEBUG_HEADER, "").lower() == "debug")

    async def on_execute(self):
        ec = self.execution_context
        compiled: dict | None = None
        order: list[str] = []
        if (ec.query, ec.operation_name) in self.compiler.too_deep:
            if self._debug(ec.context):
                self.report = {"fields": [], "fallbacks": [{"field": "*", "reason": TOO_DEEP}]}
            yield
            return
        try:
            if ec.result is None and self.compiler.settings.compile_reads and ec.graphql_document is not None:
                compiled, order = await self._compile_and_run(ec)
        except Exception as exc:  # a compiler bug must not cost the request: the resolvers answer instead
            if "parser stack overflow" in str(exc):
                if len(self.compiler.too_deep) < 1000:
                    self.compiler.too_deep[(ec.query, ec.operation_name)] = True
                # SQLite's parser has a fixed depth (YYSTACKDEPTH): very deep selections are resolved instead.
                if self.report is not None:
                    self.report["fallbacks"].append({"field": "*", "reason": TOO_DEEP})
                compiled = None
                ec.graphql_document = self._document
                yield
                return
            log.exception("compiled read failed; falling back to the resolvers")
            if self.report is not None:
                self.report["error"] = "the compiled statement failed; resolvers answered"
            compiled = None
        yield
        if compiled is None:
            return
        if ec.result is None:
            return
        data = ec.result.data
        if data is None:
            return
        ec.result.data = {k: compiled[k] if k in compiled else data[k] for k in order if k in compiled or k in data}

    async def _compile_and_run(self, ec):
        document: DocumentNode = ec.graphql_document
        self._document = document
        op = _operation(document, ec.operation_name)
        if op is None or op.operation != OperationType.QUERY:
            return None, []
        debug = self._debug(ec.context)
        report = {"fields": [], "fallbacks": []}
        if debug:
            self.report = report
        schema = self.compiler.schema
        coerced = get_variable_values(schema._schema, op.variable_definitions or (), ec.variables or {})
        if isinstance(coerced, list):
            return None, []  # graphql-core reports the variable errors
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        sel = Selection(schema, fragments, coerced)
        root = FieldNode(name=None, selection_set=op.selection_set)
        roots = sel.collect("Query", [root])
        order = list(roots)
        conn = connection()
        dialect = dialect_of(conn)
        params = Params(dialect.postgres)
        builder = Builder(sel, self.compiler.registry, dialect, params, ec.context, self.compiler.node_types)
        query_map = self.compiler.registry.get("Query")
        pairs: list[tuple[str, str]] = []
        for key, nodes in roots.items():
            name = nodes[0].name.value
            spec = query_map.fields.get(name)
            if spec is None:
                report["fallbacks"].append({"field": key, "reason": f"Query.{name} has no SQL mapping"})
                continue
            mark = len(params.values)
            try:
                pairs.append((key, await builder.field(query_map, spec, "", nodes, key)))
                report["fields"].append(key)
            except Unsupported as exc:
                del params.values[mark:]
                report["fallbacks"].append({"field": key, "reason": str(exc)})
        if not pairs:
            return None, []
        plain = all(isinstance(s, FieldNode) for s in op.selection_set.selections)
        if len(pairs) < len(roots) and not plain:
            report["fallbacks"].append({"field": "*", "reason": "fragments at the root: resolved together"})
            report["fields"] = []
            return None, []
        sql = f"SELECT {dialect.obj(pairs)} AS lm_json"
        compiled = await run_json(conn, sql, params.values)
        report["statements"] = 1
        if debug and self.compiler.settings.compile_debug:
            report["sql"] = sql
        if len(pairs) == len(roots):
            from graphql import ExecutionResult

            ec.result = ExecutionResult(data={k: compiled[k] for k in order}, errors=None)
            return None, []
        keep = [s for s in op.selection_set.selections
                if (s.alias.value if s.alias else s.name.value) not in compiled]
        new_op = OperationDefinitionNode(
            operation=op.operation, name=op.name, variable_definitions=op.variable_definitions,
            directives=op.directives, selection_set=SelectionSetNode(selections=tuple(keep)),
        )
        ec.graphql_document = DocumentNode(
            definitions=tuple(new_op if d is op else d for d in document.definitions))
        return compiled, order

    def get_results(self):
        return {"compiled": self.report} if self.report is not None else {}
