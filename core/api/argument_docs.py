"""Descriptions for the arguments that recur across core and plugin fields.

Written once here rather than on every resolver: pagination, ids, inputs and
filters mean the same wherever they appear. An argument that carries its own
description keeps it.
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
    "level": "Only areas of this level.",
    "usage": "Only units used this way.",
    "kind": "Only items of this kind.",
    "unreadOnly": "Only notifications not yet marked read.",
    "from": "Start of the period (inclusive).",
    "to": "End of the period (exclusive).",
    "year": "Only items of this year.",
    "username": "Login name.",
    "password": "The account's password.",
}
MUTATION = {
    "reason": "Why; kept with the record and shown to those concerned.",
    "status": "The new status.",
    "note": "A remark kept with the decision.",
    "approve": "True approves, false rejects.",
    "uphold": "True upholds the objection (the nomination is rejected); false dismisses it.",
    "hours": "Hours to credit; omit to confirm the hours measured.",
    "active": "True activates the account, false deactivates it (its tokens stop working).",
    "skills": "The complete new list of skills.",
}
QUERY = {"status": "Only items with this status."}


def _words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def describe_arguments(schema: GraphQLSchema) -> None:
    mutation = schema.mutation_type
    for type_name, gtype in schema.type_map.items():
        if type_name.startswith("__") or not hasattr(gtype, "fields") or hasattr(gtype, "out_type"):
            continue
        table = {**COMMON, **(MUTATION if gtype is mutation else QUERY)}
        for field in gtype.fields.values():
            for arg_name, arg in field.args.items():
                if arg.description:
                    continue
                if arg_name in table:
                    arg.description = table[arg_name]
                elif arg_name.endswith("Id") and len(arg_name) > 2:
                    arg.description = f"Global id of the {_words(arg_name[:-2])}."
