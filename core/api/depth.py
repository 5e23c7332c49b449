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

from typing import NamedTuple

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


class _Shape(NamedTuple):
    depth: int  # nesting of selecting fields (a leaf counts 0)
    aliases: int  # aliased fields, fragments counted where spread


def _shape(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    memo: dict[str, _Shape],
    visiting: frozenset[str] = frozenset(),
) -> _Shape:
    """Depth and alias count of ``selection_set`` in one walk, each fragment measured once."""
    depth = aliases = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            inner = _shape(selection.selection_set, fragments, memo, visiting)
            aliases += (1 if selection.alias else 0) + inner.aliases
            if not selection.name.value.startswith("__") and selection.selection_set:
                depth = max(depth, 1 + inner.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner = _shape(selection.selection_set, fragments, memo, visiting)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: other rules refuse those
                continue
            if name not in memo:
                memo[name] = _shape(fragment.selection_set, fragments, memo, visiting | {name})
            inner = memo[name]
        else:
            continue
        depth, aliases = max(depth, inner.depth), aliases + inner.aliases
    return _Shape(depth, aliases)


def _operations(context) -> list[tuple[OperationDefinitionNode, _Shape]]:
    """Each operation of the document with its shape (one memo for the whole document)."""
    definitions = context.document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    memo: dict[str, _Shape] = {}
    return [
        (op, _shape(op.selection_set, fragments, memo))
        for op in definitions
        if isinstance(op, OperationDefinitionNode)
    ]


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than ``max_depth`` fields."""

    class DepthLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            for op, shape in _operations(context):
                if shape.depth > max_depth:
                    name = op.name.value if op.name else "anonymous"
                    context.report_error(
                        GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", [op])
                    )

    return DepthLimit


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents with more than ``max_aliases`` aliased fields."""

    class AliasLimit(ValidationRule):
        def __init__(self, context):
            super().__init__(context)
            total = sum(shape.aliases for _, shape in _operations(context))
            if total > max_aliases:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}"))

    return AliasLimit
