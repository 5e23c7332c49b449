"""How civility's reads map to SQL for the compiled read path (core.compiler).

``civilityCampaigns`` and a campaign's stored fields compile; its area,
criteria, nominations and the computed fields are resolved as before.
"""

from __future__ import annotations

from tortoise.expressions import Q

from core.compiler.mapping import Column, GlobalId, Rows, TypeMap
from plugins.civility import models as cm


async def _campaign_where(args, info):
    from plugins.civility.schema import _area_filter

    parts = []
    if args.get("area_id") is not None:
        parts.append(await _area_filter(info, args["area_id"]))  # NOT_FOUND: the resolver reports it
    for name in ("kind", "year", "status"):
        if args.get(name) is not None:
            parts.append(Q(**{name: args[name]}))
    return Q(*parts) if parts else None


def mappings() -> list[TypeMap]:
    campaign = TypeMap(
        "CivilityCampaign",
        cm.Campaign,
        {
            "id": GlobalId(),
            "title": Column("title"),
            "kind": Column("kind", "enum"),
            "year": Column("year", "int"),
            "status": Column("status", "enum"),
            "publicNoticeEndsOn": Column("public_notice_ends_on", "date"),
            "cancelReason": Column("cancel_reason"),
            "publishedAt": Column("published_at", "datetime"),
            "createdAt": Column("created_at", "datetime"),
        },
    )
    query = TypeMap(
        "Query",
        fields={
            "civilityCampaigns": Rows(
                "CivilityCampaign",
                fk=None,
                connection=True,
                where=_campaign_where,
                order=("-year", "-id"),
                pages=frozenset({"first", "after"}),
                args=frozenset({"area_id", "kind", "year", "status"}),
            ),
        },
    )
    return [campaign, query]
