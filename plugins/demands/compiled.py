"""How the plugin's reads map to SQL for the compiled read path (core.compiler).

``demands`` and ``whistles`` compile with the stored fields of a demand or whistle, a
demand's category, assignments and events; anything else selected (areas, people,
overdue/late, which depend on the clock) is resolved as before. tests/test_compiled_plugins.py
compares both paths on the demo district.
"""

from __future__ import annotations

from core.compiler.mapping import Column, GlobalId, Ref, Rows, TypeMap
from plugins.demands.models import Demand, DemandAssignment, DemandCategory, DemandEvent, Whistle


async def _demand_where(args, info):
    from plugins.demands.schema import demand_where

    return await demand_where(info, args.get("filter"))


async def _whistle_where(args, info):
    from tortoise.expressions import Q

    from plugins.demands.schema import at_or_below, visible_area

    parts = []
    if args.get("area_id") is not None:
        parts.append(at_or_below(await visible_area(info, args["area_id"])))
    if args.get("status") is not None:
        parts.append(Q(status=args["status"]))
    return Q(*parts) if parts else None


def _dt(column: str) -> Column:
    return Column(column, "datetime")


def mappings() -> list[TypeMap]:
    category = TypeMap(
        "DemandCategory",
        DemandCategory,
        {
            "id": GlobalId(),
            "name": Column("name"),
            "slaDays": Column("sla_days", "int"),
            "active": Column("active", "bool"),
        },
    )
    assignment = TypeMap(
        "DemandAssignment",
        DemandAssignment,
        {
            "id": GlobalId(),
            "status": Column("status", "enum"),
            "offeredAt": _dt("offered_at"),
            "answeredAt": _dt("answered_at"),
            "declineReason": Column("decline_reason"),
            "contribution": Column("contribution"),
        },
    )
    event = TypeMap(
        "DemandEvent",
        DemandEvent,
        {
            "at": _dt("at"),
            "kind": Column("kind"),
            "fromStatus": Column("from_status", "enum"),
            "toStatus": Column("to_status", "enum"),
            "note": Column("note"),
        },
    )
    demand = TypeMap(
        "Demand",
        Demand,
        {
            "id": GlobalId(),
            "ledgerNumber": Column("ledger_number"),
            "title": Column("title"),
            "description": Column("description"),
            "scope": Column("scope", "enum"),
            "channel": Column("channel", "enum"),
            "status": Column("status", "enum"),
            "submittedAt": _dt("submitted_at"),
            "dispatchedAt": _dt("dispatched_at"),
            "dueAt": _dt("due_at"),
            "deliveredAt": _dt("delivered_at"),
            "closedAt": _dt("closed_at"),
            "deliveryReport": Column("delivery_report"),
            "rejectionReason": Column("rejection_reason"),
            "category": Ref("DemandCategory", "category_id"),
            "assignments": Rows("DemandAssignment", fk="demand_id", order=("offered_at", "id")),
            "events": Rows("DemandEvent", fk="demand_id", order=("at", "id")),
        },
    )
    whistle = TypeMap(
        "Whistle",
        Whistle,
        {
            "id": GlobalId(),
            "title": Column("title"),
            "description": Column("description"),
            "status": Column("status", "enum"),
            "blownAt": _dt("blown_at"),
            "resolvedAt": _dt("resolved_at"),
            "resolution": Column("resolution"),
        },
    )
    query = TypeMap(
        "Query",
        fields={
            "demands": Rows(
                "Demand",
                fk=None,
                connection=True,
                where=_demand_where,
                order=("-submitted_at", "-id"),
                pages=frozenset({"first", "after"}),
                args=frozenset({"filter"}),
            ),
            "whistles": Rows(
                "Whistle",
                fk=None,
                connection=True,
                where=_whistle_where,
                order=("-blown_at", "-id"),
                pages=frozenset({"first", "after"}),
                args=frozenset({"area_id", "status"}),
            ),
        },
    )
    return [category, assignment, event, demand, whistle, query]
