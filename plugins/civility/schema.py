"""Root fields and core-type extensions of the civility plugin (thin: rules live in services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from core import models as m
from core.access import below, visible
from core.api.mutation import run_mutation
from core.api.relay import Connection, connection_from_queryset
from core.api.subscriptions import live_events
from core.enums import AREA_TYPE_NAMES
from core.errors import ApiError, Code, unauthenticated
from core.ids import decode_int_gid
from plugins.civility import loaders
from plugins.civility import models as cm
from plugins.civility.enums import CampaignKind, CampaignStatus
from plugins.civility.services import campaigns, nominations, objections, scores, votes
from plugins.civility.services.events import NOMINATION_UPDATED
from plugins.civility.types import (
    CivilityCampaign,
    CivilityCampaignPayload,
    CivilityHonor,
    Nomination,
    NominationPayload,
)

F = strawberry.field
arg = strawberry.argument
Reason = Annotated[str, arg(description="Why; kept with the record and shown to those concerned.")]


@strawberry.input(description="A criterion nominations are rated on.")
class RatingCriterionInput:
    name: str = F(description="Name, unique within the campaign.")
    description: str | None = F(default=None, description="What assessors look at.")
    weight: float = F(
        description="Relative weight in the total score; greater than 0, at most 1,000,000 (else OUT_OF_RANGE)."
    )
    max_score: float = F(
        description="Highest score for this criterion; greater than 0, at most 1,000,000 (else OUT_OF_RANGE)."
    )


@strawberry.input(description="The total score (0-100) needed for a number of stars.")
class StarThresholdInput:
    stars: int = F(description="Number of stars, 1 to 5, each at most once.")
    min_score: float = F(description="Lowest total score, 0 to 100; more stars must not need a lower score.")


@strawberry.input(description="A new civility campaign; it starts as DRAFT.")
class CreateCivilityCampaignInput:
    title: str = F(description="Title, e.g. 2025年度星级文明户评选.")
    kind: CampaignKind = F(description="What the campaign selects.")
    area_id: strawberry.ID = F(
        description="Area the campaign covers; the viewer needs civility.campaign.manage there."
    )
    year: int = F(description="The year the selection is for (1949-2100).")
    criteria: list[RatingCriterionInput] = F(
        description="What nominations are rated on; at least one for STAR_HOUSEHOLD, may be empty for the voted kinds."
    )
    star_thresholds: list[StarThresholdInput] | None = F(
        default=None,
        description="Stars by total score (STAR_HOUSEHOLD). Omitted or empty: the default "
        "1★ 60, 2★ 70, 3★ 80, 4★ 90, 5★ 95. Other kinds give no stars: thresholds given for them "
        "are kept but unused.",
    )
    public_notice_ends_on: dt.date | None = F(default=None, description="Last day objections are taken.")


@strawberry.input(description="A nomination: unitId for household campaigns, residentId for MODEL_PERSON.")
class NominateInput:
    campaign_id: strawberry.ID = F(description="The campaign; it must be NOMINATING.")
    unit_id: strawberry.ID | None = F(
        default=None, description="The household (STAR_HOUSEHOLD, MOST_BEAUTIFUL_FAMILY)."
    )
    resident_id: strawberry.ID | None = F(default=None, description="The person (MODEL_PERSON).")
    reason: str = F(description="Why the nominee deserves the honour (事迹).")


@strawberry.input(
    description="One assessor's score for one criterion; scoring again replaces the earlier score."
)
class ScoreNominationInput:
    nomination_id: strawberry.ID = F(description="The nomination.")
    criterion_id: strawberry.ID = F(description="A criterion of the nomination's campaign.")
    score: float = F(description="0 to the criterion's maxScore, else OUT_OF_RANGE.")
    comment: str | None = F(default=None, description="Remark.")


def _campaign_data(data: CreateCivilityCampaignInput) -> campaigns.CampaignData:
    return campaigns.CampaignData(
        title=data.title,
        kind=data.kind,
        area_id=data.area_id,
        year=data.year,
        criteria=[
            campaigns.CriterionData(c.name, c.description, c.weight, c.max_score) for c in data.criteria
        ],
        star_thresholds=None
        if data.star_thresholds is None
        else [campaigns.ThresholdData(t.stars, t.min_score) for t in data.star_thresholds],
        public_notice_ends_on=data.public_notice_ends_on,
    )


async def _area_filter(info: Info, area_gid: strawberry.ID) -> Q:
    """Campaigns whose area is, contains or lies within the given area."""
    pk = decode_int_gid(area_gid, *AREA_TYPE_NAMES)
    area = await visible(info.context.viewer, m.Area).filter(id=pk).first() if pk else None
    if area is None:
        raise ApiError("Area not found", Code.NOT_FOUND)
    above = [v for v in area.lineage().values() if v and v != area.id]
    return Q(below(area), Q(area_id__in=above), join_type="OR") if above else below(area)


@strawberry.type(description="Civility queries.")
class CivilityQuery:
    @F(description="One campaign by id; null when unknown or not visible.")
    async def civility_campaign(self, info: Info, id: strawberry.ID) -> CivilityCampaign | None:
        if (
            decode_int_gid(id, "CivilityCampaign") is None
        ):  # malformed, another type, or a number no row can have
            return None
        return await info.context.runtime.nodes.resolve(info, id, "CivilityCampaign")

    @F(description="Campaigns the viewer may see, newest year first.")
    async def civility_campaigns(
        self,
        info: Info,
        area_id: Annotated[
            strawberry.ID | None,
            arg(description="Only campaigns whose area is, contains or lies within this area."),
        ] = None,
        kind: Annotated[CampaignKind | None, arg(description="Only campaigns of this kind.")] = None,
        year: Annotated[int | None, arg(description="Only campaigns for this year.")] = None,
        status: Annotated[CampaignStatus | None, arg(description="Only campaigns in this status.")] = None,
        first: Annotated[int | None, arg(description="Page size (default 50).")] = None,
        after: Annotated[str | None, arg(description="Cursor to continue after.")] = None,
    ) -> Connection[CivilityCampaign]:
        qs = visible(info.context.viewer, cm.Campaign)
        if area_id is not None:
            qs = qs.filter(await _area_filter(info, area_id))
        if kind is not None:
            qs = qs.filter(kind=kind)
        if year is not None:
            qs = qs.filter(year=year)
        if status is not None:
            qs = qs.filter(status=status)
        return await connection_from_queryset(qs.order_by("-year", "-id"), first, after)

    @F(description="One nomination by id; null when unknown or not visible.")
    async def nomination(self, info: Info, id: strawberry.ID) -> Nomination | None:
        if decode_int_gid(id, "Nomination") is None:
            return None
        return await info.context.runtime.nodes.resolve(info, id, "Nomination")


@strawberry.type(description="Civility mutations.")
class CivilityMutation:
    @F(description="Creates a DRAFT campaign. Needs civility.campaign.manage over the area.")
    async def create_civility_campaign(
        self, info: Info, input: CreateCivilityCampaignInput
    ) -> CivilityCampaignPayload:
        return await run_mutation(
            info,
            lambda: campaigns.create(info.context, _campaign_data(input)),
            CivilityCampaignPayload,
            "campaign",
        )

    @F(
        description="Moves the campaign one step along its lifecycle (civility.campaign.manage). PUBLIC_NOTICE -> "
        "PUBLISHED awards the passing APPROVED nominations (unreviewed ones stay PENDING, undecided "
        "objections leave their nomination standing). Refused: INVALID_TRANSITION."
    )
    async def advance_civility_campaign(
        self,
        info: Info,
        campaign_id: strawberry.ID,
        expected_status: Annotated[
            CampaignStatus | None,
            arg(
                description="Advance only from this status (else INVALID_TRANSITION): makes a repeated click harmless."
            ),
        ] = None,
    ) -> CivilityCampaignPayload:
        return await run_mutation(
            info,
            lambda: campaigns.advance(info.context, campaign_id, expected_status),
            CivilityCampaignPayload,
            "campaign",
        )

    @F(description="Cancels a campaign that is not yet PUBLISHED (civility.campaign.manage).")
    async def cancel_civility_campaign(
        self, info: Info, campaign_id: strawberry.ID, reason: Reason
    ) -> CivilityCampaignPayload:
        return await run_mutation(
            info,
            lambda: campaigns.cancel(info.context, campaign_id, reason),
            CivilityCampaignPayload,
            "campaign",
        )

    @F(
        description="Nominates a unit or resident inside the campaign area while it is NOMINATING. Staff need "
        "civility.nominate over the nominee; residents living in the campaign area may nominate any "
        "household or person of that area. Codes: INVALID_TRANSITION, INVALID_TARGET, NOT_FOUND, "
        "FORBIDDEN, DUPLICATE (already nominated; a withdrawn nomination is renewed instead)."
    )
    async def nominate(self, info: Info, input: NominateInput) -> NominationPayload:
        data = nominations.NominateData(input.campaign_id, input.unit_id, input.resident_id, input.reason)
        return await run_mutation(
            info, lambda: nominations.nominate(info.context, data), NominationPayload, "nomination"
        )

    @F(
        description="Withdraws a PENDING or APPROVED nomination while the campaign is NOMINATING or SCORING; "
        "by its nominator or a manager."
    )
    async def withdraw_nomination(self, info: Info, nomination_id: strawberry.ID) -> NominationPayload:
        return await run_mutation(
            info, lambda: nominations.withdraw(info.context, nomination_id), NominationPayload, "nomination"
        )

    @F(
        description="Approves or rejects a nomination while the campaign is SCORING (civility.assess); may be "
        "changed until scoring ends."
    )
    async def review_nomination(
        self,
        info: Info,
        nomination_id: strawberry.ID,
        approve: Annotated[bool, arg(description="True approves, false rejects.")],
        note: Annotated[str | None, arg(description="A remark kept with the decision.")] = None,
    ) -> NominationPayload:
        return await run_mutation(
            info,
            lambda: nominations.review(info.context, nomination_id, approve, note),
            NominationPayload,
            "nomination",
        )

    @F(
        description="Gives the signed-in assessor's score for one criterion while the campaign is SCORING "
        "(civility.assess); scoring again replaces the assessor's earlier score."
    )
    async def score_nomination(self, info: Info, input: ScoreNominationInput) -> NominationPayload:
        data = scores.ScoreData(input.nomination_id, input.criterion_id, input.score, input.comment)
        return await run_mutation(
            info, lambda: scores.score(info.context, data), NominationPayload, "nomination"
        )

    @F(
        description="One vote per signed-in resident per nomination; a second vote is refused with code DUPLICATE. "
        "Only while votingOpen (else INVALID_TRANSITION). The account must be linked to a resident "
        "with civility.vote (else FORBIDDEN) living in the campaign area (else NOT_ELIGIBLE)."
    )
    async def vote_for_nomination(self, info: Info, nomination_id: strawberry.ID) -> NominationPayload:
        return await run_mutation(
            info, lambda: votes.vote(info.context, nomination_id), NominationPayload, "nomination"
        )

    @F(
        description="Objects to a PENDING or APPROVED nomination while the campaign is PUBLIC_NOTICE (and not "
        "after publicNoticeEndsOn), else INVALID_TRANSITION; open to residents of the campaign area "
        "and staff (else FORBIDDEN)."
    )
    async def file_objection(
        self, info: Info, nomination_id: strawberry.ID, reason: Reason
    ) -> NominationPayload:
        return await run_mutation(
            info,
            lambda: objections.file(info.context, nomination_id, reason),
            NominationPayload,
            "nomination",
        )

    @F(
        description="Decides an objection once (civility.campaign.manage, PUBLIC_NOTICE): uphold rejects the "
        "nomination; deciding again is INVALID_TRANSITION."
    )
    async def decide_objection(
        self,
        info: Info,
        objection_id: strawberry.ID,
        uphold: Annotated[
            bool,
            arg(description="True upholds the objection (the nomination is rejected); false dismisses it."),
        ],
    ) -> NominationPayload:
        return await run_mutation(
            info,
            lambda: objections.decide(info.context, objection_id, uphold),
            NominationPayload,
            "nomination",
        )


@strawberry.type(description="Civility live updates (graphql-transport-ws at /graphql).")
class CivilitySubscription:
    @strawberry.subscription(
        description="A nomination of the campaign each time it changes: nominated, withdrawn, "
        "reviewed, scored, voted for, objected to, decided, awarded. Only "
        "nominations the subscriber may see are sent, with fresh voteCount and "
        "totalScore. An unknown or unseen campaign: NOT_FOUND."
    )
    async def civility_nomination_updated(
        self, info: Info, campaign_id: strawberry.ID
    ) -> AsyncGenerator[Nomination, None]:
        if not info.context.viewer.authenticated:
            raise unauthenticated()
        pk = decode_int_gid(campaign_id, "CivilityCampaign")
        if pk is None or not await visible(info.context.viewer, cm.Campaign).filter(id=pk).exists():
            raise ApiError("Campaign not found", Code.NOT_FOUND)
        async with aclosing(
            live_events(
                info, NOMINATION_UPDATED, only=lambda event, _viewer: event.data.get("campaign_id") == pk
            )
        ) as events:
            async for event in events:
                nomination = await info.context.loaders.by_id(cm.Nomination).load(event.data["nomination_id"])
                if nomination is not None:  # None: outside the subscriber's scope
                    yield nomination


@strawberry.type(name="CivilityUnitFields", description="Civility fields of a unit.")
class CivilityUnitFields:
    @F(description="Honours the household received in published campaigns, newest campaign year first.")
    async def civility_honors(self, info: Info) -> list[CivilityHonor]:
        return [CivilityHonor(nomination=n) for n in await loaders.honors(info, "unit_id", self.id)]

    @F(
        description="Stars from the most recent published STAR_HOUSEHOLD campaign, if any: the campaign, among "
        "those that nominated this unit, with the latest year; null if not awarded there."
    )
    async def current_star_level(self, info: Info) -> int | None:
        return await loaders.current_star_level(info, self.id)


@strawberry.type(name="CivilityResidentFields", description="Civility fields of a resident.")
class CivilityResidentFields:
    @F(
        description="Honours the person received in published MODEL_PERSON campaigns, newest campaign year first."
    )
    async def civility_honors(self, info: Info) -> list[CivilityHonor]:
        return [CivilityHonor(nomination=n) for n in await loaders.honors(info, "resident_id", self.id)]
