"""Descriptions for the arguments that recur across core and plugin fields.

Written once here rather than on every resolver: pagination, ids, inputs and
filters mean the same wherever they appear, and an id argument (``caseId``)
is "Global id of the case." An argument that carries its own description
keeps it. Plugins describe their other arguments where they declare them:
``reason: Annotated[str, strawberry.argument(description="...")]``; core holds
no plugin's vocabulary. tests/test_schema.py fails on any argument left undescribed.
"""

from __future__ import annotations

import re

from graphql import GraphQLSchema

COMMON = {
    "first": "Return at most this many items, from the start or after the `after` cursor.",
    "after": "Cursor of an item (edge.cursor): return the items after it.",
    "last": "Return at most this many items, from the end or before the `before` cursor.",
    "before": "Cursor of an item (edge.cursor): return the items before it.",
    "id": "Global id of the object.",
    "ids": "Global ids of the objects, answered in the same order.",
    "input": "The change to make; see the input type's fields.",
    "filter": "Conditions every returned item meets.",
    "orderBy": "Sort order; ties are broken by id.",
    "search": "Text to look for (substring match).",
    "kind": "Only items of this kind.",
}
# Arguments of core's own fields (a plugin describes its arguments itself: see the module docstring).
CORE = {
    "level": "Only areas of this level.",
    "usage": "Only units used this way.",
    "unreadOnly": "Only notifications not yet marked read.",
    "username": "Login name.",
    "password": "The account's password.",
    "active": "True activates the account, false deactivates it (its tokens stop working).",
}


def _words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def describe_arguments(schema: GraphQLSchema) -> None:
    for type_name, gtype in schema.type_map.items():
        if type_name.startswith("__") or not hasattr(gtype, "fields") or hasattr(gtype, "out_type"):
            continue
        table = {**COMMON, **CORE}
        for field in gtype.fields.values():
            for arg_name, arg in field.args.items():
                if arg.description:
                    continue
                if arg_name in table:
                    arg.description = table[arg_name]
                elif arg_name.endswith("Id") and len(arg_name) > 2:
                    arg.description = f"Global id of the {_words(arg_name[:-2])}."
