"""Static cost analysis: how much work an operation asks for, known before it runs.

Depth, alias and token limits bound the size of a *document*, not of its
*result*: ``residents(first: 500) { edges { node { unit { residents { unit {
residents ... }}}}}}`` is 57 tokens and asks for hundreds of millions of
objects. The cost of an operation is an upper estimate of the number of field
values it makes the server produce:

    cost(field)  = base + size(field) * cost(selections of field)
    cost(scalar) = base                      (base = 1; 10 for a root mutation or subscription field)

where ``size`` is 1 for a field that returns one object and, for a list:

- a field with ``first``/``last`` arguments: the smaller of the given values,
  or the pager's default page (core.api.relay.DEFAULT_PAGE) when neither is
  given. When such a field returns a connection (an object, not a list), the
  page is the size of the connection's own list fields (``edges``, ``nodes``);
- a field that declares its size with :func:`list_size` (a bound, or "as many
  items as the list argument X holds", e.g. ``nodes(ids:)``);
- any other list (core or plugin): ``LASTMILE_COST_LIST_SIZE``.

Nested lists multiply; aliases, fragments and inline fragments are all counted
(a fragment spread is costed once per place it is spread; branches on
different types are added, an upper bound); fields under ``@skip(if: true)`` or
``@include(if: false)`` cost nothing. Literal arguments and variables (with
their defaults) are both read.

The check (:class:`QueryCostLimit`) runs in the validation phase, after the
document validated and before any executor (graphql-core or another) starts:
an operation over the viewer's budget is refused with ``extensions.code =
QUERY_TOO_COMPLEX`` and nothing else happens (no SQL). Plugins need nothing
special: list types and ``first``/``last`` arguments are read from the schema.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from math import ceil
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_list_type,
    validate,
)
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from core.api.relay import DEFAULT_PAGE
from core.settings import Settings

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
# Costs grow geometrically with nesting; past this nothing changes the answer.
CEILING = 10**12
# A root mutation or subscription field does more than read: a transaction, an
# audit row, events (or a long-lived stream). Its payload is costed on top.
ROOT_WRITE_COST = 10
PAGE_ARGUMENTS = ("first", "last")
_METADATA_KEY = "lastmile.cost.list_size"
_STRAWBERRY_FIELD = "strawberry-definition"  # where strawberry keeps its field on a GraphQLField


@dataclass(frozen=True)
class ListSize:
    """What a list field declares about its length (see :func:`list_size`)."""

    size: float | None = None
    argument: str | None = None


def list_size(size: int | None = None, *, argument: str | None = None) -> dict:
    """``strawberry.field(metadata=list_size(...))``: how long a plain list field is.

    ``size``: the most items the list holds in practice (e.g. the four
    ancestors of an area). ``argument``: the list is as long as that list
    argument (``nodes(ids:)``). Without a declaration a list costs
    ``LASTMILE_COST_LIST_SIZE`` items; fields with ``first``/``last`` need none.
    """
    return {_METADATA_KEY: ListSize(size, argument)}


@dataclass(frozen=True)
class FieldPlan:
    """What the cost walk needs to know about one field of one type."""

    target: str  # named type of the result: where its selections are looked up
    is_list: bool
    paged: bool  # takes first/last
    declared: ListSize | None


class CostPlan:
    """Per schema: each field's plan, built once, looked up by (type, field)."""

    def __init__(self, schema: GraphQLSchema, default_list_size: int):
        self.default_list_size = default_list_size
        self.fields: dict[str, dict[str, FieldPlan]] = {}
        for name, gtype in schema.type_map.items():
            if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
                self.fields[name] = {fname: _plan(f) for fname, f in gtype.fields.items()}
        self.roots = {
            OperationType.QUERY: schema.query_type.name if schema.query_type else None,
            OperationType.MUTATION: schema.mutation_type.name if schema.mutation_type else None,
            OperationType.SUBSCRIPTION: schema.subscription_type.name if schema.subscription_type else None,
        }
        _size_introspection(self, schema)
        # ``__Type.ofType`` deeper than the deepest wrapping in this schema ([X!]! is three) is null.
        self.max_wrapping = max(
            (_wrapping(f.type) for t in schema.type_map.values() for f in _fields_and_args(t)), default=0
        )


def _wrapping(gtype) -> int:
    depth = 0
    while hasattr(gtype, "of_type"):
        gtype, depth = gtype.of_type, depth + 1
    return depth


def _fields_and_args(gtype):
    for f in (getattr(gtype, "fields", None) or {}).values():
        yield f
        yield from (getattr(f, "args", None) or {}).values()


def _plan(field) -> FieldPlan:
    strawberry_field = (field.extensions or {}).get(_STRAWBERRY_FIELD)
    metadata = getattr(strawberry_field, "metadata", None) or {}
    return FieldPlan(
        target=get_named_type(field.type).name,
        is_list=is_list_type(get_nullable_type(field.type)),
        paged=any(a in field.args for a in PAGE_ARGUMENTS),
        declared=metadata.get(_METADATA_KEY),
    )


def _size_introspection(plan: CostPlan, schema: GraphQLSchema) -> None:
    """Introspection lists get this schema's real sizes: the number of types and
    directives, and per type the average number of fields, arguments, enum values
    ... (so the standard introspection query costs about what it returns, while a
    circular ``types { fields { type { fields ...`` multiplies like any list)."""
    types = list(schema.type_map.values())
    fields = [
        f
        for t in types
        for f in (getattr(t, "fields", None) or {}).values()
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
    ]

    def average(counts: list[int]) -> float:
        # Fractional on purpose: a field has 0.4 arguments on average; the total is rounded up once.
        return sum(counts) / max(1, len(counts))

    def per_type(count) -> float:
        # Averaged over every type: `types { fields { ... } }` then costs the real total.
        return average([count(t) for t in types])

    composite = GraphQLObjectType | GraphQLInterfaceType
    sizes = {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        ("__Type", "fields"): per_type(lambda t: len(t.fields) if isinstance(t, composite) else 0),
        ("__Type", "inputFields"): per_type(
            lambda t: len(t.fields) if isinstance(t, GraphQLInputObjectType) else 0
        ),
        ("__Type", "enumValues"): per_type(lambda t: len(t.values) if isinstance(t, GraphQLEnumType) else 0),
        ("__Type", "interfaces"): per_type(lambda t: len(t.interfaces) if isinstance(t, composite) else 0),
        ("__Type", "possibleTypes"): per_type(
            lambda t: len(schema.get_possible_types(t)) if is_abstract_type(t) else 0
        ),
        ("__Field", "args"): average([len(f.args) for f in fields]),
        ("__Directive", "args"): average([len(d.args) for d in schema.directives]),
    }
    for (type_name, field_name), size in sizes.items():
        existing = plan.fields.get(type_name, {}).get(field_name)
        if existing is not None:
            plan.fields[type_name][field_name] = FieldPlan(
                existing.target, True, existing.paged, ListSize(size)
            )


# Introspection's entry points, which no type lists among its fields.
_META_FIELDS = {
    "__schema": FieldPlan("__Schema", is_list=False, paged=False, declared=None),
    "__type": FieldPlan("__Type", is_list=False, paged=False, declared=None),
}

_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def plan_for(schema: GraphQLSchema, default_list_size: int) -> CostPlan:
    plan = _PLANS.get(schema)
    if plan is None or plan.default_list_size != default_list_size:
        plan = _PLANS[schema] = CostPlan(schema, default_list_size)
    return plan


# ---------------------------------------------------------------- the walk


class _Walk:
    def __init__(
        self,
        plan: CostPlan,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        max_page: int,
    ):
        self.plan = plan
        self.fragments = fragments
        self.variables = variables
        self.max_page = max_page
        self.memo: dict[tuple, int] = {}
        self.of_type_depth = 0
        self.open: set[tuple] = set()

    def value(self, node) -> Any:
        try:
            return value_from_ast_untyped(node, self.variables)
        except Exception:  # a value graphql-core cannot read here fails later, in coercion
            return None

    def argument(self, field: FieldNode, name: str) -> Any:
        for arg in field.arguments or ():
            if arg.name.value == name:
                return self.value(arg.value)
        return None

    def skipped(self, node) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name in ("skip", "include"):
                cond = next((self.value(a.value) for a in directive.arguments if a.name.value == "if"), None)
                if not isinstance(cond, bool):
                    continue  # unreadable: count the field (an upper bound)
                if (name == "skip") == cond:
                    return True
        return False

    def page(self, field: FieldNode) -> int:
        """Items a first/last field returns: the smaller given value, else the pager's default."""
        sizes = []
        for name in PAGE_ARGUMENTS:
            raw = self.argument(field, name)
            if raw is None:
                continue
            # Not an integer: coercion refuses it later; until then assume the largest page.
            sizes.append(max(0, raw) if isinstance(raw, int) and not isinstance(raw, bool) else self.max_page)
        return min(sizes) if sizes else DEFAULT_PAGE

    def size(self, plan: FieldPlan, field: FieldNode, page: int | None) -> int:
        declared = plan.declared
        if declared is not None and declared.argument:
            items = self.argument(field, declared.argument)
            return len(items) if isinstance(items, list) else self.max_page
        if plan.paged:
            return self.page(field)
        if declared is not None and declared.size is not None:
            return declared.size
        # A list field of a connection: as long as the page asked for.
        return page if page is not None else self.plan.default_list_size

    def selections(self, selection_set, type_name: str, page: int | None, root_base: int = 1) -> int:
        total = 0
        fields = self.plan.fields.get(type_name, {})
        for sel in selection_set.selections:
            if self.skipped(sel):
                continue
            if isinstance(sel, FieldNode):
                plan = fields.get(sel.name.value) or _META_FIELDS.get(sel.name.value)
                if plan is None:  # __typename, or a field validation already refused
                    total += 1
                    continue
                inner = 0
                if sel.selection_set is not None:
                    # A paged field that returns a connection hands its page to the connection's lists.
                    child_page = self.page(sel) if plan.paged and not plan.is_list else None
                    if sel.name.value == "ofType" and type_name == "__Type":
                        if self.of_type_depth >= self.plan.max_wrapping:
                            continue  # null for every type of this schema
                        self.of_type_depth += 1
                        inner = self.selections(sel.selection_set, plan.target, child_page)
                        self.of_type_depth -= 1
                    else:
                        inner = self.selections(sel.selection_set, plan.target, child_page)
                n = self.size(plan, sel, page) if plan.is_list else 1
                total += root_base + min(CEILING, n * inner)
            elif isinstance(sel, InlineFragmentNode):
                target = sel.type_condition.name.value if sel.type_condition else type_name
                total += self.selections(sel.selection_set, target, page, root_base)
            elif isinstance(sel, FragmentSpreadNode):
                total += self.spread(sel.name.value, page, root_base)
            if total >= CEILING:
                return CEILING
        return total

    def spread(self, name: str, page: int | None, root_base: int) -> int:
        fragment = self.fragments.get(name)
        key = (name, page, root_base, self.of_type_depth)
        if fragment is None or key in self.open:  # unknown or cyclic: validation refuses those
            return 0
        if key not in self.memo:
            self.open.add(key)
            self.memo[key] = self.selections(
                fragment.selection_set, fragment.type_condition.name.value, page, root_base
            )
            self.open.discard(key)
        return self.memo[key]


def operation_cost(
    plan: CostPlan, document, operation_name: str | None, variables: dict | None, max_page: int
) -> int:
    """The cost of the operation of ``document`` that would run (the dearest, if the choice is ambiguous)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    best = 0
    for op in operations:
        values = dict(variables) if isinstance(variables, dict) else {}
        for definition in op.variable_definitions or ():
            name = definition.variable.name.value
            if name not in values and definition.default_value is not None:
                values[name] = value_from_ast_untyped(definition.default_value, {})
        root = plan.roots.get(op.operation)
        if root is None:
            continue
        base = 1 if op.operation is OperationType.QUERY else ROOT_WRITE_COST
        walk = _Walk(plan, fragments, values, max_page)
        best = max(best, walk.selections(op.selection_set, root, None, base))
    return min(ceil(best), CEILING)


# ---------------------------------------------------------------- the check


_INTROSPECTION = frozenset({"__schema", "__type", "__typename"})


def introspection_only(document, operation_name: str | None) -> bool:
    """Whether every root field of the operation(s) is introspection (served from memory)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def only(selection_set, seen: frozenset) -> bool:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                if sel.name.value not in _INTROSPECTION:
                    return False
            elif isinstance(sel, InlineFragmentNode):
                if not only(sel.selection_set, seen):
                    return False
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                fragment = fragments.get(sel.name.value)
                if fragment is not None and not only(fragment.selection_set, seen | {sel.name.value}):
                    return False
        return True

    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (not operation_name or (d.name and d.name.value == operation_name))
    ]
    return bool(operations) and all(only(op.selection_set, frozenset()) for op in operations)


def budget_for(viewer, settings: Settings, document=None, operation_name: str | None = None) -> int:
    """Staff (a superuser or any grant of a role other than ``resident``) get
    LASTMILE_MAX_QUERY_COST; residents, accounts without a grant and anonymous
    callers, whose views are one household, get LASTMILE_MAX_QUERY_COST_RESIDENT.
    Introspection alone (GraphiQL loading the schema, before or after sign-in;
    off in production) gets the larger budget from everyone."""
    if viewer is not None and (viewer.is_superuser or any(g.role != "resident" for g in viewer.grants)):
        return settings.max_query_cost
    if document is not None and introspection_only(document, operation_name):
        return settings.max_query_cost
    return settings.max_query_cost_resident


def too_complex(cost: int, budget: int) -> GraphQLError:
    return GraphQLError(
        f"The operation costs {cost} and the budget is {budget}: ask for smaller pages (first/last) "
        "or fewer nested lists (see LASTMILE_MAX_QUERY_COST in docs/security.md).",
        extensions={"code": QUERY_TOO_COMPLEX, "cost": cost, "maxCost": budget},
    )


def cost_extensions(settings: Settings) -> list:
    """The cost check as an extension factory; list it after ValidationCache."""

    class QueryCostLimit(SchemaExtension):
        """Refuses an operation over the viewer's budget in the validation phase, before any executor runs.

        Runs after validation (ValidationCache's or its own): a document that
        does not validate is refused by validation, one that does is costed."""

        def on_validate(self):
            ec = self.execution_context
            if ec.pre_execution_errors is None and ec.validation_rules:
                # Nothing validated yet (no ValidationCache before us): validate now, once.
                ec.pre_execution_errors = validate(
                    ec.schema._schema, ec.graphql_document, ec.validation_rules
                )
            if not ec.pre_execution_errors and ec.graphql_document is not None:
                plan = plan_for(ec.schema._schema, settings.cost_list_size)
                cost = operation_cost(
                    plan, ec.graphql_document, ec.operation_name, ec.variables, settings.max_page_size
                )
                budget = budget_for(
                    getattr(ec.context, "viewer", None), settings, ec.graphql_document, ec.operation_name
                )
                if cost > budget:
                    ec.pre_execution_errors = [too_complex(cost, budget)]
            yield

    return [QueryCostLimit]
