"""The operation depth and alias limits, with each fragment measured once.

strawberry's QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every spread, so a
document whose fragments each spread the next one twice, 40 deep, costs 2**40
steps before anything is refused: one small request holds the event loop. Here
a fragment's depth is memoised, so the walk is linear in the document. Depth is
counted as strawberry counts it (fields that have a selection, introspection
fields ignored), and the message is strawberry's, which LimitErrorCodes maps to
QUERY_TOO_DEEP; aliases are counted as strawberry counts them (every aliased field,
fragments expanded where spread), with its message (TOO_MANY_ALIASES).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)


def operation_depth(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
                    memo: dict[str, int], visiting: frozenset[str] = frozenset()) -> int:
    """Nesting of fields under ``selection_set`` (a leaf field counts 0, each selecting field 1)."""
    deepest = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__") or not selection.selection_set:
                continue
            depth = 1 + operation_depth(selection.selection_set, fragments, memo, visiting)
        elif isinstance(selection, InlineFragmentNode):
            depth = operation_depth(selection.selection_set, fragments, memo, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: other rules refuse those
                continue
            if name not in memo:
                memo[name] = operation_depth(fragment.selection_set, fragments, memo, visiting | {name})
            depth = memo[name]
        else:
            continue
        deepest = max(deepest, depth)
    return deepest


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than ``max_depth`` fields."""

    class DepthLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
            memo: dict[str, int] = {}
            for op in definitions:
                if not isinstance(op, OperationDefinitionNode):
                    continue
                if operation_depth(op.selection_set, fragments, memo) > max_depth:
                    name = op.name.value if op.name else "anonymous"
                    context.report_error(GraphQLError(
                        f"'{name}' exceeds maximum operation depth of {max_depth}", [op]))

    return DepthLimit


def alias_count(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
                memo: dict[str, int], visiting: frozenset[str] = frozenset()) -> int:
    """Aliased fields under ``selection_set``, each spread counting its fragment's (memoised) total."""
    total = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            total += 1 if selection.alias else 0
            total += alias_count(selection.selection_set, fragments, memo, visiting)
        elif isinstance(selection, InlineFragmentNode):
            total += alias_count(selection.selection_set, fragments, memo, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                continue
            if name not in memo:
                memo[name] = alias_count(fragment.selection_set, fragments, memo, visiting | {name})
            total += memo[name]
    return total


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents with more than ``max_aliases`` aliased fields."""

    class AliasLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
            memo: dict[str, int] = {}
            total = sum(alias_count(op.selection_set, fragments, memo) for op in definitions
                        if isinstance(op, OperationDefinitionNode))
            if total > max_aliases:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}"))

    return AliasLimit
