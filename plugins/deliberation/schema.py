"""The plugin's GraphQL fields: Query, Mutation, Subscription and the fields it adds to core
types (Community.charter and deliberationStats, Compound.charter, Resident.raisedTopics).
Thin: ids are decoded and input parsed here once, the rules live in services and charters."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from core import models as m
from core.access import below, visible
from core.api.areas import visible_area
from core.api.loaders import Loaders
from core.api.mutation import run_mutation
from core.api.relay import Connection, connection_from_list, connection_from_queryset
from core.api.subscriptions import rows_changed_at_or_below
from core.dates import instant, period
from core.enums import lineage_column
from core.errors import ApiError, Code
from core.ids import decode_area_gid, decode_int_gid
from core.settings import get_settings
from plugins.deliberation import charters, services, stats
from plugins.deliberation import loaders as ld
from plugins.deliberation.access import DELIBERATING_LEVELS
from plugins.deliberation.enums import ActionItemStatus, MeetingStatus, TopicStatus
from plugins.deliberation.inputs import (
    AdoptCharterDocumentInput,
    HoldMeetingInput,
    ParticipantInput,
    PlanMeetingInput,
    RaiseTopicInput,
    RecordDecisionInput,
    SetMeetingVenueInput,
)
from plugins.deliberation.models import ActionItem, DeliberationMeeting, DeliberationTopic
from plugins.deliberation.services import ActionSpec, ParticipantSpec
from plugins.deliberation.types import (
    ActionItemPayload,
    ActionItemType,
    AreaCharter,
    AreaCharterPayload,
    CharterCoverage,
    DeliberationMeetingPayload,
    DeliberationMeetingType,
    DeliberationStats,
    DeliberationTopicPayload,
    DeliberationTopicType,
)

NO_ROWS = Q(id__in=[])
First = Annotated[
    int | None, strawberry.argument(description="Page size (at most the deployment's page limit).")
]
After = Annotated[str | None, strawberry.argument(description="Cursor to continue after.")]
AreaArg = Annotated[
    strawberry.ID, strawberry.argument(description="A community, compound or any area above them.")
]
From = Annotated[
    dt.datetime | None, strawberry.argument(name="from", description="Start of the period (inclusive).")
]
To = Annotated[dt.datetime | None, strawberry.argument(description="End of the period (exclusive).")]


# ---------------------------------------------------------------- decoding


def pk(gid: str | None, *types: str) -> int | None:
    """None when not given; 0 when given but naming nothing of ``types`` (reads as NOT_FOUND)."""
    if gid is None:
        return None
    return decode_int_gid(gid, *types) or 0


async def _checked_area_pk(gid: str | None) -> int:
    """An area id's pk; 0, read as NOT_FOUND, unless it names an area of the id's own level
    (a compound's number as a Community id names nothing)."""
    found = decode_area_gid(gid)
    if found is None:
        return 0
    pk, level = found
    return pk if await m.Area.filter(id=pk, level=level).exists() else 0


def participant_specs(items: list[ParticipantInput] | None) -> list[ParticipantSpec]:
    return [
        ParticipantSpec(
            category=p.category,
            user_id=pk(p.user_id, "User"),
            resident_id=pk(p.resident_id, "Resident"),
            organization_id=pk(p.organization_id, "Organization"),
            name=p.name,
        )
        for p in items or []
    ]


# ---------------------------------------------------------------- filters shared with compiled.py


async def topics_where(info: Info, area_id: str | None, status: list[TopicStatus] | None) -> Q:
    parts = []
    if area_id is not None:
        parts.append(below(await visible_area(info, area_id)))
    if status is not None:
        parts.append(Q(status__in=list(status)) if status else NO_ROWS)
    return Q(*parts) if parts else Q()


def topics_order(order_by_support: bool | None) -> tuple[str, ...]:
    return ("-support_count", "-raised_at", "-id") if order_by_support else ("-raised_at", "-id")


async def meetings_where(
    info: Info,
    area_id: str | None,
    status: MeetingStatus | None,
    frm: dt.datetime | None,
    to: dt.datetime | None,
) -> Q:
    frm, to = period(frm, to)
    parts = []
    if area_id is not None:
        parts.append(below(await visible_area(info, area_id)))
    if status is not None:
        parts.append(Q(status=status))
    if frm is not None:
        parts.append(Q(scheduled_at__gte=frm))
    if to is not None:
        parts.append(Q(scheduled_at__lt=to))
    return Q(*parts) if parts else Q()


MEETINGS_ORDER = ("-scheduled_at", "-id")


async def _stats(info: Info, area: m.Area, frm, to) -> DeliberationStats:
    column = lineage_column(area.level)
    found = await stats.tallies(info.context.viewer, column, [area.id], frm, to)
    return DeliberationStats.of(found[area.id])


async def my_action_items(info: Info, first: int | None) -> list[ActionItem]:
    viewer = info.context.viewer
    if not viewer.user_id:
        return []
    # The organisations the viewer acts for, among those owning an open item (a bounded set).
    org_ids = (
        await ActionItem.filter(status=ActionItemStatus.OPEN, owner_organization_id__isnull=False)
        .distinct()
        .values_list("owner_organization_id", flat=True)
    )
    org_users = await info.context.host.organization_users(org_ids)
    mine = sorted(org for org, users in org_users.items() if viewer.user_id in users)
    owned = Q(owner_user_id=viewer.user_id)
    if mine:
        owned = Q(owned, Q(owner_organization_id__in=mine), join_type="OR")
    cap = get_settings().max_page_size
    limit = cap if first is None else min(max(first, 0), cap)
    return await ActionItem.filter(owned, status=ActionItemStatus.OPEN).order_by("due_on", "id").limit(limit)


@strawberry.type(description="Deliberation queries.")
class DeliberationQuery:
    @strawberry.field(
        description="The 1+1+1 of a community or compound; null when unknown, out of scope or another level."
    )
    async def area_charter(
        self,
        info: Info,
        area_id: Annotated[strawberry.ID, strawberry.argument(description="A community or compound.")],
    ) -> AreaCharter | None:
        area = await visible_area(info, area_id)
        if area is None or area.level not in DELIBERATING_LEVELS:
            return None
        return AreaCharter(area_id=area.id)

    @strawberry.field(
        description="How many communities and compounds at or below the area have their 1+1+1 (NOT_FOUND when the area is unknown or out of scope); counted in the database."
    )
    async def charter_coverage(self, info: Info, area_id: AreaArg) -> CharterCoverage:
        area = await visible_area(info, area_id)
        if area is None:
            raise ApiError("Area not found", Code.NOT_FOUND)
        c = await charters.coverage(info.context.viewer, area)
        return CharterCoverage(
            areas=c.areas,
            with_rules=c.with_rules,
            with_covenant=c.with_covenant,
            with_venue=c.with_venue,
            complete=c.complete,
            root=area,
        )

    @strawberry.field(description="One topic by global id; null when unknown or outside the viewer's scope.")
    async def deliberation_topic(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The topic's global id.")],
    ) -> DeliberationTopicType | None:
        if decode_int_gid(id, "DeliberationTopic") is None:
            return None
        return await info.context.runtime.nodes.resolve(info, id, "DeliberationTopic")

    @strawberry.field(
        description="Topics the viewer may read at or below an area; newest first, or most supported first."
    )
    async def deliberation_topics(
        self,
        info: Info,
        area_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only topics at or below this area.")
        ] = None,
        status: Annotated[
            list[TopicStatus] | None, strawberry.argument(description="Only topics in these statuses.")
        ] = None,
        order_by_support: Annotated[
            bool | None, strawberry.argument(description="Most supported first (then newest).")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[DeliberationTopicType]:
        where = await topics_where(info, area_id, status)
        qs = (
            visible(info.context.viewer, DeliberationTopic)
            .filter(where)
            .order_by(*topics_order(order_by_support))
        )
        return await connection_from_queryset(qs, first, after)

    @strawberry.field(
        description="One meeting by global id; null when unknown or outside the viewer's scope."
    )
    async def deliberation_meeting(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The meeting's global id.")],
    ) -> DeliberationMeetingType | None:
        if decode_int_gid(id, "DeliberationMeeting") is None:
            return None
        return await info.context.runtime.nodes.resolve(info, id, "DeliberationMeeting")

    @strawberry.field(description="Meetings the viewer may read, latest scheduled first.")
    async def deliberation_meetings(
        self,
        info: Info,
        area_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only meetings at or below this area.")
        ] = None,
        status: Annotated[
            MeetingStatus | None, strawberry.argument(description="Only meetings in this status.")
        ] = None,
        from_: Annotated[
            dt.datetime | None, strawberry.argument(name="from", description="Scheduled at or after.")
        ] = None,
        to: Annotated[dt.datetime | None, strawberry.argument(description="Scheduled before.")] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[DeliberationMeetingType]:
        where = await meetings_where(info, area_id, status, from_, to)
        qs = visible(info.context.viewer, DeliberationMeeting).filter(where).order_by(*MEETINGS_ORDER)
        return await connection_from_queryset(qs, first, after)

    @strawberry.field(
        description="The report's figures at or below the area for [from, to) (NOT_FOUND when the area is unknown or out of scope); only rows the viewer may read count."
    )
    async def deliberation_stats(
        self, info: Info, area_id: AreaArg, from_: From = None, to: To = None
    ) -> DeliberationStats:
        frm, to = period(from_, to)
        area = await visible_area(info, area_id)
        if area is None:
            raise ApiError("Area not found", Code.NOT_FOUND)
        return await _stats(info, area, frm, to)

    @strawberry.field(
        description="Open action items owned by the viewer or the organisations they act for, soonest due first."
    )
    async def my_action_items(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="At most this many (default: all, up to the deployment's page limit)."
            ),
        ] = None,
    ) -> list[ActionItemType]:
        return await my_action_items(info, first)


# ---------------------------------------------------------------- mutations


async def _run(info: Info, work, payload, field: str):
    result = await run_mutation(info, work, payload, field)
    # The payload is read after the change: fresh loaders, not ones primed before it.
    info.context.loaders = Loaders(info.context.viewer)
    return result


def _charter_of(work):
    async def wrapped():
        return AreaCharter(area_id=(await work()).id)

    return wrapped


@strawberry.type(description="Deliberation mutations.")
class DeliberationMutation:
    @strawberry.mutation(
        description="Adopts a new version (n+1) of a community's or compound's rules or covenant (deliberation.manage)."
    )
    async def adopt_charter_document(
        self, info: Info, input: AdoptCharterDocumentInput
    ) -> AreaCharterPayload:
        async def work():
            return await charters.adopt_document(
                info.context,
                area_pk=await _checked_area_pk(input.area_id),
                kind=input.kind,
                text=input.text,
                adopted_on=input.adopted_on,
                meeting_pk=pk(input.meeting_id, "DeliberationMeeting"),
            )

        return await _run(info, _charter_of(work), AreaCharterPayload, "charter")

    @strawberry.mutation(
        description="Sets (or replaces) a community's or compound's meeting place (deliberation.manage)."
    )
    async def set_meeting_venue(self, info: Info, input: SetMeetingVenueInput) -> AreaCharterPayload:
        async def work():
            return await charters.set_venue(
                info.context,
                area_pk=await _checked_area_pk(input.area_id),
                name=input.name,
                address=input.address,
                capacity=input.capacity,
            )

        return await _run(info, _charter_of(work), AreaCharterPayload, "charter")

    @strawberry.mutation(
        description="Raises a topic in a compound or community: residents where they live, staff with deliberation.topic.raise. Starts RAISED; idempotent by clientMutationId."
    )
    async def raise_topic(self, info: Info, input: RaiseTopicInput) -> DeliberationTopicPayload:
        async def work():
            return await services.raise_topic(
                info.context,
                await _checked_area_pk(input.area_id),
                input.title,
                input.description,
                input.client_mutation_id,
            )

        return await _run(info, work, DeliberationTopicPayload, "topic")

    @strawberry.mutation(
        description="The viewer (a resident of the topic's area) supports a RAISED or SCHEDULED topic, once (DUPLICATE the second time)."
    )
    async def support_topic(
        self, info: Info, topic_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")]
    ) -> DeliberationTopicPayload:
        return await _run(
            info,
            lambda: services.support_topic(info.context, pk(topic_id, "DeliberationTopic")),
            DeliberationTopicPayload,
            "topic",
        )

    @strawberry.mutation(description="Withdraws the viewer's support of a RAISED or SCHEDULED topic.")
    async def withdraw_topic_support(
        self, info: Info, topic_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")]
    ) -> DeliberationTopicPayload:
        return await _run(
            info,
            lambda: services.withdraw_support(info.context, pk(topic_id, "DeliberationTopic")),
            DeliberationTopicPayload,
            "topic",
        )

    @strawberry.mutation(
        description="RAISED or SCHEDULED -> DECLINED, with the reason (deliberation.manage)."
    )
    async def decline_topic(
        self,
        info: Info,
        topic_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")],
        reason: Annotated[str, strawberry.argument(description="Why it is not taken up.")],
    ) -> DeliberationTopicPayload:
        return await _run(
            info,
            lambda: services.decline_topic(info.context, pk(topic_id, "DeliberationTopic"), reason),
            DeliberationTopicPayload,
            "topic",
        )

    @strawberry.mutation(
        description="Plans a meeting (PLANNED) with its participants and agenda (topics RAISED -> SCHEDULED); notifies the participants with accounts (deliberation.meeting)."
    )
    async def plan_meeting(self, info: Info, input: PlanMeetingInput) -> DeliberationMeetingPayload:
        async def work():
            return await services.plan_meeting(
                info.context,
                area_pk=await _checked_area_pk(input.area_id),
                title=input.title,
                kind=input.kind,
                fmt=input.format,
                scheduled_at=instant(input.scheduled_at, "scheduledAt", "scheduledAt"),
                venue_name=input.venue_name,
                chair_pk=pk(input.chair_id, "User"),
                participants=participant_specs(input.participants),
                topic_pks=[pk(t, "DeliberationTopic") for t in input.topic_ids or []],
            )

        return await _run(info, work, DeliberationMeetingPayload, "meeting")

    @strawberry.mutation(
        description="Puts a RAISED topic on a PLANNED meeting's agenda (RAISED -> SCHEDULED)."
    )
    async def add_topic_to_agenda(
        self,
        info: Info,
        meeting_id: Annotated[strawberry.ID, strawberry.argument(description="The meeting.")],
        topic_id: Annotated[strawberry.ID, strawberry.argument(description="The topic.")],
    ) -> DeliberationMeetingPayload:
        return await _run(
            info,
            lambda: services.add_topic_to_agenda(
                info.context, pk(meeting_id, "DeliberationMeeting"), pk(topic_id, "DeliberationTopic")
            ),
            DeliberationMeetingPayload,
            "meeting",
        )

    @strawberry.mutation(description="PLANNED -> CANCELLED; its undecided topics return to RAISED.")
    async def cancel_meeting(
        self,
        info: Info,
        meeting_id: Annotated[strawberry.ID, strawberry.argument(description="The meeting.")],
        reason: Annotated[str, strawberry.argument(description="Why it is called off.")],
    ) -> DeliberationMeetingPayload:
        return await _run(
            info,
            lambda: services.cancel_meeting(info.context, pk(meeting_id, "DeliberationMeeting"), reason),
            DeliberationMeetingPayload,
            "meeting",
        )

    @strawberry.mutation(description="PLANNED -> HELD: who attended (by index), walk-ins and the minutes.")
    async def hold_meeting(self, info: Info, input: HoldMeetingInput) -> DeliberationMeetingPayload:
        return await _run(
            info,
            lambda: services.hold_meeting(
                info.context,
                pk(input.meeting_id, "DeliberationMeeting"),
                list(input.attended_indexes),
                participant_specs(input.walk_ins),
                input.minutes,
            ),
            DeliberationMeetingPayload,
            "meeting",
        )

    @strawberry.mutation(
        description="Records a HELD meeting's decision on a SCHEDULED topic of its agenda: adopted with action items -> DECIDED, adopted without -> DONE, voted down -> RAISED. A ONE_SIX_X meeting is refused with QUORUM_NOT_MET until the chair and all six fixed parties attended. Owners of action items are notified (deliberation.action)."
    )
    async def record_decision(self, info: Info, input: RecordDecisionInput) -> DeliberationMeetingPayload:
        actions = [
            ActionSpec(
                a.description,
                pk(a.owner_user_id, "User"),
                pk(a.owner_organization_id, "Organization"),
                a.due_on,
            )
            for a in input.action_items or []
        ]
        return await _run(
            info,
            lambda: services.record_decision(
                info.context,
                meeting_pk=pk(input.meeting_id, "DeliberationMeeting"),
                topic_pk=pk(input.topic_id, "DeliberationTopic"),
                text=input.text,
                votes_for=input.votes_for,
                votes_against=input.votes_against,
                abstentions=input.abstentions,
                actions=actions,
            ),
            DeliberationMeetingPayload,
            "meeting",
        )

    @strawberry.mutation(
        description="OPEN -> DONE by its owner (the user, a user acting for the owning organisation) or deliberation.manage; the last one done makes the topic DONE."
    )
    async def complete_action_item(
        self,
        info: Info,
        action_item_id: Annotated[strawberry.ID, strawberry.argument(description="The action item.")],
        note: Annotated[str | None, strawberry.argument(description="What was done.")] = None,
    ) -> ActionItemPayload:
        return await _run(
            info,
            lambda: services.complete_action_item(info.context, pk(action_item_id, "ActionItem"), note),
            ActionItemPayload,
            "action_item",
        )


# ---------------------------------------------------------------- subscriptions


@strawberry.type(description="Deliberation subscriptions.")
class DeliberationSubscription:
    @strawberry.subscription(
        description="Every change to a topic at or below the area (raised, supported, scheduled, decided, done, declined), among the topics the subscriber may read."
    )
    async def deliberation_topic_updated(
        self, info: Info, area_id: AreaArg
    ) -> AsyncGenerator[DeliberationTopicType, None]:
        # Returned, not iterated here: strawberry closes it (and its bus queue) when the client leaves.
        return rows_changed_at_or_below(info, area_id, services.TOPIC_EVENTS, DeliberationTopic, "topic_id")


# ---------------------------------------------------------------- core type extensions


@strawberry.type(description="Deliberation fields of Community.")
class DeliberationCommunityFields:
    @strawberry.field(description="The community's own 1+1+1.")
    def charter(self) -> AreaCharter:
        return AreaCharter(area_id=self.id)

    @strawberry.field(
        description="The report's figures for the community and [from, to), as Query.deliberationStats."
    )
    async def deliberation_stats(self, info: Info, from_: From = None, to: To = None) -> DeliberationStats:
        frm, to = period(from_, to)
        return DeliberationStats.of(await ld.community_stats(info, frm, to).load(self.id))


@strawberry.type(description="Deliberation fields of Compound.")
class DeliberationCompoundFields:
    @strawberry.field(description="The compound's own 1+1+1.")
    def charter(self) -> AreaCharter:
        return AreaCharter(area_id=self.id)


@strawberry.type(description="Deliberation fields of Resident.")
class DeliberationResidentFields:
    @strawberry.field(description="Topics the resident raised that the viewer may read, newest first.")
    async def raised_topics(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[DeliberationTopicType]:
        return connection_from_list(await ld.raised_topics(info).load(self.id), first, after)
