"""How mediation's reads map to SQL for the compiled read path (core.compiler).

``disputeCases`` and the stored fields of a case compile; the relations
(area, parties, team, sessions, ...) are resolved as before when selected.
"""

from __future__ import annotations

from core.compiler.mapping import Column, GlobalId, Rows, TypeMap
from plugins.mediation.models import DisputeCase


async def _case_where(args, info):
    from plugins.mediation.schema import case_where

    return await case_where(info, args.get("filter"))


def mappings() -> list[TypeMap]:
    case = TypeMap(
        "DisputeCase",
        DisputeCase,
        {
            "id": GlobalId(),
            "caseNumber": Column("case_number"),
            "title": Column("title"),
            "description": Column("description"),
            "category": Column("category", "enum"),
            "status": Column("status", "enum"),
            "handlingLevel": Column("handling_level", "enum"),
            "method": Column("method", "enum"),
            "reportedAt": Column("reported_at", "datetime"),
            "resolvedAt": Column("resolved_at", "datetime"),
            "failedAt": Column("failed_at", "datetime"),
            "closedAt": Column("closed_at", "datetime"),
        },
    )
    query = TypeMap(
        "Query",
        fields={
            "disputeCases": Rows(
                "DisputeCase",
                fk=None,
                connection=True,
                where=_case_where,
                order=("-reported_at", "-id"),
                pages=frozenset({"first", "after"}),
                args=frozenset({"filter"}),
            ),
        },
    )
    return [case, query]
