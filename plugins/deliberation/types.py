"""The plugin's GraphQL types (names as in contract/deliberation.graphql). Resolvers of Node
types receive the plugin's model rows as ``self``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from core import clock
from core.api.cost import list_size
from core.api.relay import Node
from core.api.types import Area, OrganizationT, ResidentT, UserError, UserT
from core.ids import encode_gid
from plugins.deliberation import loaders, models
from plugins.deliberation.enums import (
    FIXED_PARTIES,
    ActionItemStatus,
    CharterDocumentKind,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    ParticipantCategory,
    TopicStatus,
)
from plugins.deliberation.rules import missing_categories
from plugins.deliberation.stats import Tally

F = strawberry.field


@strawberry.type(name="MeetingVenue", description="A meeting place (议事场所).")
class MeetingVenueType:
    name: str = F(description="What it is called, e.g. 楼院议事亭.")
    address: str | None = F(description="Where it is.")
    capacity: int | None = F(description="How many people it seats.")


@strawberry.type(
    name="CharterDocument",
    description="A versioned text adopted for an area: its deliberation rules or its residents' covenant.",
)
class CharterDocumentType:
    kind: CharterDocumentKind = F(description="Rules or covenant.")
    version: int = F(description="1 for the first adoption of this kind in the area, then n+1.")
    text: str = F(description="The adopted text.")
    adopted_on: dt.date = F(description="The day it was adopted.")

    @F(description="The meeting that adopted this version, if recorded (and visible to the viewer).")
    async def adopted_at(self, info: Info) -> DeliberationMeetingType | None:
        return await loaders.meetings(info).load(self.adopted_at_id) if self.adopted_at_id else None


@strawberry.type(description="The 1+1+1 of a community or compound.")
class AreaCharter:
    area_id: strawberry.Private[int]

    async def _docs(self, info: Info) -> list[models.CharterDocument]:
        return await loaders.charter_documents(info).load(self.area_id)

    async def _current(self, info: Info, kind: CharterDocumentKind) -> models.CharterDocument | None:
        docs = [d for d in await self._docs(info) if d.kind == kind]
        return max(docs, key=lambda d: d.version) if docs else None

    @F(description="The community or compound.")
    async def area(self, info: Info) -> Area:
        return await loaders.areas(info).load(self.area_id)

    @F(description="Current rules (议事准则); null until adopted.")
    async def rules(self, info: Info) -> CharterDocumentType | None:
        return await self._current(info, CharterDocumentKind.RULES)

    @F(description="Current covenant (居民公约); null until adopted.")
    async def covenant(self, info: Info) -> CharterDocumentType | None:
        return await self._current(info, CharterDocumentKind.COVENANT)

    @F(description="Meeting place (议事场所); null until set.")
    async def venue(self, info: Info) -> MeetingVenueType | None:
        return await loaders.venues(info).load(self.area_id)

    @F(description="Rules, covenant and venue all present.")
    async def complete(self, info: Info) -> bool:
        kinds = {d.kind for d in await self._docs(info)}
        return (
            len(kinds) == len(CharterDocumentKind)
            and await loaders.venues(info).load(self.area_id) is not None
        )

    @F(description="Superseded versions of both kinds, newest adoption first.")
    async def history(self, info: Info) -> list[CharterDocumentType]:
        docs = await self._docs(info)
        current = {id(await self._current(info, k)) for k in CharterDocumentKind}
        return [d for d in docs if id(d) not in current]


@strawberry.type(
    description="How many communities and compounds below an area have their 1+1+1 (the report: all 59 communities and 284 compounds)."
)
class CharterCoverage:
    areas: int = F(description="Communities and compounds at or below the area that the viewer may see.")
    with_rules: int = F(description="Of those, with deliberation rules adopted.")
    with_covenant: int = F(description="Of those, with a residents' covenant adopted.")
    with_venue: int = F(description="Of those, with a meeting place set.")
    complete: int = F(description="Of those, with all three.")
    root: strawberry.Private[object] = None

    @F(description="Communities and compounds still missing a part, first the ones missing most.")
    async def incomplete(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="At most this many (default: all, up to the deployment's page limit)."
            ),
        ] = None,
    ) -> list[AreaCharter]:
        from core.api.budget import charge
        from core.settings import get_settings
        from plugins.deliberation import charters

        limit = get_settings().max_page_size
        ids = await charters.incomplete(
            info.context.viewer, self.root, limit if first is None else min(max(first, 0), limit)
        )
        charge(len(ids))
        return [AreaCharter(area_id=i) for i in ids]


@strawberry.type(name="MeetingParticipant", description="Someone at the table of a meeting.")
class MeetingParticipantType:
    category: ParticipantCategory = F(description="Which of the 1+6+X they sit as.")
    name: str = F(description="Always set.")
    attended: bool = F(description="Whether they attended (false until the meeting is held).")

    @F(description="Set when the participant has an account.")
    async def user(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.user_id) if self.user_id else None

    @F(
        description="Set when the participant is a resident (null too when the viewer may not read that resident's record)."
    )
    async def resident(self, info: Info) -> ResidentT | None:
        return await loaders.residents(info).load(self.resident_id) if self.resident_id else None

    @F(description="Set for an organisation's representative.")
    async def organization(self, info: Info) -> OrganizationT | None:
        return await loaders.organizations(info).load(self.organization_id) if self.organization_id else None


@strawberry.type(
    name="ActionItem",
    description="A follow-through task of a decision, owned by a person or an organisation.",
)
class ActionItemType(Node):
    description: str = F(description="What is to be done.")
    due_on: dt.date = F(description="When it is due.")
    status: ActionItemStatus = F(description="OPEN or DONE.")
    done_at: dt.datetime | None = F(description="When it was done.")
    note: str | None = F(description="What the owner noted when completing it.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.ActionItem)

    @F(description="The person who owns it.")
    async def owner_user(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.owner_user_id) if self.owner_user_id else None

    @F(description="The organisation that owns it (its users complete it).")
    async def owner_organization(self, info: Info) -> OrganizationT | None:
        return (
            await loaders.organizations(info).load(self.owner_organization_id)
            if self.owner_organization_id
            else None
        )

    @F(description="OPEN and past dueOn (the district's today is after dueOn).")
    def overdue(self) -> bool:
        return self.status == ActionItemStatus.OPEN and self.due_on < clock.today()


@strawberry.type(name="DeliberationDecision", description="What a meeting decided on a topic.")
class DeliberationDecisionType:
    text: str = F(description="The decision as minuted.")
    votes_for: int = F(description="Votes for.")
    votes_against: int = F(description="Votes against.")
    abstentions: int = F(description="Abstentions.")
    adopted: bool = F(description="More votes for than against; by consensus (all zero) counts as adopted.")
    decided_at: dt.datetime = F(description="When it was recorded.")

    @F(description="Opaque id of the decision.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_gid("DeliberationDecision", self.id))

    @F(description="The topic decided.")
    async def topic(self, info: Info) -> DeliberationTopicType:
        return await loaders.topics(info).load(self.topic_id)

    @F(description="The meeting that decided it.")
    async def meeting(self, info: Info) -> DeliberationMeetingType:
        return await loaders.meetings(info).load(self.meeting_id)

    @F(description="Its follow-through tasks, in the order decided.")
    async def action_items(self, info: Info) -> list[ActionItemType]:
        return await loaders.action_items(info).load(self.id)


@strawberry.type(
    name="DeliberationTopic",
    description="What residents bring to deliberation: the 操心事、烦心事、揪心事 of a compound (a missing bin, stolen e-bike batteries, hard water).",
)
class DeliberationTopicType(Node):
    title: str = F(description="One-line summary.")
    description: str = F(description="What it is about.")
    status: TopicStatus = F(description="Where it is in its lifecycle.")
    raised_at: dt.datetime = F(description="When it was raised.")
    support_count: int = F(description="Residents who support it (one each).")
    decline_reason: str | None = F(description="Why it was declined.")
    done_at: dt.datetime | None = F(description="When it was done.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.DeliberationTopic)

    @F(description="The compound or community it concerns.")
    async def area(self, info: Info) -> Area:
        return await loaders.areas(info).load(self.area_id)

    @F(
        description="The resident who raised it; null when staff raised it (or when the viewer may not read that resident)."
    )
    async def raised_by(self, info: Info) -> ResidentT | None:
        return await loaders.residents(info).load(self.raised_by_id) if self.raised_by_id else None

    @F(description="Whether the viewer (a resident) supports it.")
    async def supported_by_me(self, info: Info) -> bool:
        return await loaders.supported_by_me(info).load(self.id)

    @F(description="The meeting whose agenda it was last put on.")
    async def meeting(self, info: Info) -> DeliberationMeetingType | None:
        return await loaders.meetings(info).load(self.meeting_id) if self.meeting_id else None

    @F(description="Its most recent decision (adopted, or voted down).")
    async def decision(self, info: Info) -> DeliberationDecisionType | None:
        return await loaders.latest_decision(info).load(self.id)


@strawberry.type(name="DeliberationMeeting", description="A deliberation meeting of a community or compound.")
class DeliberationMeetingType(Node):
    title: str = F(description="What it is called.")
    kind: MeetingKind = F(description="The kind of meeting.")
    format: MeetingFormat = F(description="1+6+X or open.")
    scheduled_at: dt.datetime = F(description="When it is (was) to be held.")
    status: MeetingStatus = F(description="Where it is in its lifecycle.")
    minutes: str | None = F(description="The minutes, once held.")
    held_at: dt.datetime | None = F(description="When it was recorded as held.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.DeliberationMeeting)

    @F(description="The community or compound holding it.")
    async def area(self, info: Info) -> Area:
        return await loaders.areas(info).load(self.area_id)

    @F(description="Where it is held (the area's venue when it was planned, unless another was named).")
    def venue(self) -> MeetingVenueType | None:
        if not self.venue_name:
            return None
        return MeetingVenueType(
            name=self.venue_name, address=self.venue_address, capacity=self.venue_capacity
        )

    @F(description="Who chairs it.")
    async def chair(self, info: Info) -> UserT:
        return await loaders.users(info).load(self.chair_id)

    @F(
        description="Invited participants in the order given, then walk-ins: attendedIndexes of holdMeeting refer to this order."
    )
    async def participants(self, info: Info) -> list[MeetingParticipantType]:
        return await loaders.participants(info).load(self.id)

    @F(
        metadata=list_size(len(FIXED_PARTIES)),
        description="For ONE_SIX_X, the fixed parties (CHAIR and the six) missing: while PLANNED, among the invited participants; once HELD, among those who attended. Empty when complete; always empty for OPEN.",
    )
    async def missing_categories(self, info: Info) -> list[ParticipantCategory]:
        if self.format != MeetingFormat.ONE_SIX_X:
            return []
        return missing_categories(self.format, self.status, await loaders.participants(info).load(self.id))

    @F(description="The topics on its agenda, in agenda order.")
    async def agenda(self, info: Info) -> list[DeliberationTopicType]:
        return await loaders.agenda(info).load(self.id)

    @F(description="The decisions it recorded, oldest first.")
    async def decisions(self, info: Info) -> list[DeliberationDecisionType]:
        return await loaders.meeting_decisions(info).load(self.id)


@strawberry.type(description="Held meetings of one kind.")
class MeetingKindCount:
    kind: MeetingKind = F(description="The kind.")
    count: int = F(description="Meetings of that kind held.")


@strawberry.type(
    description="The report's figures for an area and period (topics by raisedAt, meetings by scheduledAt, half-open [from, to)); only rows the viewer may read are counted."
)
class DeliberationStats:
    meetings_held: int = F(description="Meetings scheduled in the period and held.")
    meetings_by_kind: list[MeetingKindCount] = F(
        description="Held meetings per kind, kinds without one left out, in enum order."
    )
    attendance: int = F(description="Sum of attended participants over held meetings.")
    topics_raised: int = F(description="Topics raised in the period.")
    topics_done: int = F(description="Of those, DONE.")
    topics_declined: int = F(description="Of those, DECLINED.")
    handled_rate: float | None = F(
        description="(DONE + DECLINED) / topicsRaised: the report's 处理率. Null when no topics."
    )
    resolved_rate: float | None = F(description="DONE / topicsRaised.")
    average_days_to_done: float | None = F(
        description="Mean days from raisedAt to doneAt of the DONE topics; null when none."
    )
    action_items_open: int = F(description="OPEN action items of the period's topics.")
    action_items_overdue: int = F(description="Of those, past dueOn.")

    @classmethod
    def of(cls, t: Tally) -> DeliberationStats:
        return cls(
            meetings_held=t.meetings_held,
            attendance=t.attendance,
            topics_raised=t.topics_raised,
            meetings_by_kind=[MeetingKindCount(kind=k, count=n) for k, n in t.kinds()],
            topics_done=t.topics_done,
            topics_declined=t.topics_declined,
            handled_rate=t.handled_rate,
            resolved_rate=t.resolved_rate,
            average_days_to_done=t.average_days_to_done,
            action_items_open=t.action_items_open,
            action_items_overdue=t.action_items_overdue,
        )


# ---------------------------------------------------------------- payloads


@strawberry.type(description="Result of adoptCharterDocument and setMeetingVenue.")
class AreaCharterPayload:
    charter: AreaCharter | None = F(
        description="The area's 1+1+1 as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(
        description="Why nothing changed (NOT_FOUND, FORBIDDEN, INVALID_LEVEL, INVALID_INPUT, DUPLICATE)."
    )


@strawberry.type(description="Result of a topic mutation.")
class DeliberationTopicPayload:
    topic: DeliberationTopicType | None = F(
        description="The topic as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(
        description="Why nothing changed (INVALID_TRANSITION, DUPLICATE, FORBIDDEN, NOT_FOUND, INVALID_INPUT)."
    )


@strawberry.type(description="Result of a meeting mutation.")
class DeliberationMeetingPayload:
    meeting: DeliberationMeetingType | None = F(
        description="The meeting as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(
        description="Why nothing changed (INVALID_TRANSITION, QUORUM_NOT_MET, FORBIDDEN, NOT_FOUND, INVALID_INPUT)."
    )


@strawberry.type(description="Result of completeActionItem.")
class ActionItemPayload:
    action_item: ActionItemType | None = F(
        description="The action item as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(
        description="Why nothing changed (INVALID_TRANSITION, FORBIDDEN, NOT_FOUND)."
    )
