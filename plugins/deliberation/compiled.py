"""How deliberation's reads map to SQL for the compiled read path (core.compiler).

The two main lists (``deliberationTopics``, ``deliberationMeetings``) and the stored fields of a
topic and a meeting compile, with the same filters and order as the resolvers (shared functions
of schema.py); relations (area, agenda, participants, decision ...) are resolved as before.
"""

from __future__ import annotations

from core.compiler.mapping import Column, GlobalId, Ref, Rows, TypeMap
from plugins.deliberation.models import DeliberationMeeting, DeliberationTopic


async def _topics_where(args, info):
    from plugins.deliberation.schema import topics_where

    return await topics_where(info, args.get("area_id"), args.get("status"))


def _topics_order(args) -> tuple[str, ...]:
    from plugins.deliberation.schema import topics_order

    return topics_order(args.get("order_by_support"))


async def _meetings_where(args, info):
    from plugins.deliberation.schema import meetings_where

    return await meetings_where(
        info, args.get("area_id"), args.get("status"), args.get("from_"), args.get("to")
    )


def mappings() -> list[TypeMap]:
    from plugins.deliberation.schema import MEETINGS_ORDER

    topic = TypeMap(
        "DeliberationTopic",
        DeliberationTopic,
        {
            "id": GlobalId(),
            "title": Column("title"),
            "description": Column("description"),
            "status": Column("status", "enum"),
            "raisedAt": Column("raised_at", "datetime"),
            "supportCount": Column("support_count", "int"),
            "declineReason": Column("decline_reason"),
            "doneAt": Column("done_at", "datetime"),
            "raisedBy": Ref("Resident", "raised_by_id"),
            "meeting": Ref("DeliberationMeeting", "meeting_id"),
        },
    )
    meeting = TypeMap(
        "DeliberationMeeting",
        DeliberationMeeting,
        {
            "id": GlobalId(),
            "title": Column("title"),
            "kind": Column("kind", "enum"),
            "format": Column("format", "enum"),
            "scheduledAt": Column("scheduled_at", "datetime"),
            "status": Column("status", "enum"),
            "minutes": Column("minutes"),
            "heldAt": Column("held_at", "datetime"),
        },
    )
    query = TypeMap(
        "Query",
        fields={
            "deliberationTopics": Rows(
                "DeliberationTopic",
                fk=None,
                connection=True,
                where=_topics_where,
                order=_topics_order,
                pages=frozenset({"first", "after"}),
                args=frozenset({"area_id", "status", "order_by_support"}),
            ),
            "deliberationMeetings": Rows(
                "DeliberationMeeting",
                fk=None,
                connection=True,
                where=_meetings_where,
                order=MEETINGS_ORDER,
                pages=frozenset({"first", "after"}),
                args=frozenset({"area_id", "status", "from_", "to"}),
            ),
        },
    )
    return [topic, meeting, query]
