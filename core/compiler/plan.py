"""The selection of one field, collected the way graphql-core executes it.

Fragments (named and inline, with type conditions), ``@skip``/``@include``
and arguments (coerced by graphql-core, converted to Python by strawberry,
so resolvers and the compiler see the same values).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values, get_directive_values
from strawberry.types.arguments import convert_arguments

from core.compiler.mapping import Unsupported


class Selection:
    """What an operation asks for, with the schema to read it against."""

    def __init__(
        self, strawberry_schema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ):
        self.schema = strawberry_schema
        self.gql: GraphQLSchema = strawberry_schema._schema
        self.fragments = fragments
        self.variables = variables

    def _included(self, node) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def _applies(self, type_condition, type_name: str) -> bool:
        if type_condition is None:
            return True
        cond = self.gql.get_type(type_condition.name.value)
        concrete = self.gql.get_type(type_name)
        if cond is concrete:
            return True
        if isinstance(cond, GraphQLObjectType) or not isinstance(concrete, GraphQLObjectType):
            return False
        return self.gql.is_sub_type(cond, concrete)

    def collect(self, type_name: str, nodes: list[FieldNode]) -> dict[str, list[FieldNode]]:
        """Response key -> the field nodes merged under it, for the sub-selections of ``nodes``
        on the concrete type ``type_name``, in response order."""
        out: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                self._walk(node.selection_set, type_name, out, set())
        return out

    def _walk(self, selection_set: SelectionSetNode, type_name: str, out, seen: set[str]) -> None:
        for sel in selection_set.selections:
            if not self._included(sel):
                continue
            if isinstance(sel, FieldNode):
                key = sel.alias.value if sel.alias else sel.name.value
                out.setdefault(key, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                if self._applies(sel.type_condition, type_name):
                    self._walk(sel.selection_set, type_name, out, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = self.fragments.get(name)
                if name in seen or frag is None:
                    continue
                seen.add(name)
                if self._applies(frag.type_condition, type_name):
                    self._walk(frag.selection_set, type_name, out, seen)

    def field_def(self, parent_type: str, name: str):
        parent = self.gql.get_type(parent_type)
        fdef = getattr(parent, "fields", {}).get(name)
        if fdef is None:
            raise Unsupported(f"{parent_type}.{name} is not a field")
        return fdef

    def return_type(self, parent_type: str, name: str) -> str:
        return get_named_type(self.field_def(parent_type, name).type).name

    def arguments(self, parent_type: str, node: FieldNode) -> dict[str, Any]:
        """The field's arguments as its resolver receives them (Python names and types)."""
        fdef = self.field_def(parent_type, node.name.value)
        if not fdef.args:
            return {}
        raw = get_argument_values(fdef, node, self.variables)
        field = (fdef.extensions or {}).get("strawberry-definition")
        if field is None:
            raise Unsupported(f"{parent_type}.{node.name.value}: no strawberry field")
        return convert_arguments(
            raw,
            field.arguments,
            scalar_registry=self.schema.schema_converter.scalar_registry,
            config=self.schema.config,
        )
