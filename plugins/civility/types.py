"""GraphQL types of the civility plugin. Resolvers get tortoise rows as ``self``."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from core import models as m
from core.api.relay import Connection, Node, connection_from_list
from core.api.types import Area, ResidentT, UnitT, UserError, UserT
from core.ids import encode_gid
from plugins.civility import loaders
from plugins.civility import models as cm
from plugins.civility.access import ASSESS, MANAGE
from plugins.civility.enums import CampaignKind, CampaignStatus, NominationOrder, NominationStatus
from plugins.civility.services.lifecycle import voting_open

F = strawberry.field
arg = strawberry.argument


@strawberry.type(description="One thing nominations are rated on, e.g. 爱国守法, 家庭和睦, 环境卫生.")
class RatingCriterion:
    @F(description="Opaque id of the criterion; pass it as criterionId to scoreNomination.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_gid("RatingCriterion", self.id))

    name: str = F(description="Name of the criterion.")
    description: str | None = F(description="What assessors look at for this criterion.")
    weight: float = F(description="Relative weight of this criterion in the total score.")
    max_score: float = F(
        description="Highest score an assessor may give for this criterion (the lowest is 0)."
    )


@strawberry.type(description="Total-score threshold (0-100) a nomination needs for a star level.")
class StarThreshold:
    stars: int = F(description="Number of stars, 1 to 5.")
    min_score: float = F(description="Lowest total score (0-100) that earns these stars.")


@strawberry.type(
    description="A yearly civility selection (星级文明户, 最美家庭, 先进人物 评选) run for one area."
)
class CivilityCampaign(Node):
    title: str = F(description="Title, e.g. 2025年度星级文明户评选.")
    kind: CampaignKind = F(description="What the campaign selects.")
    year: int = F(description="The year the selection is for.")
    status: CampaignStatus = F(description="Where the campaign is in its lifecycle.")
    public_notice_ends_on: dt.date | None = F(
        description="End of the public notice period (公示期) during which objections are taken."
    )
    cancel_reason: str | None = F(description="Why the campaign was cancelled; null unless CANCELLED.")
    published_at: dt.datetime | None = F(description="When the campaign was published; null before.")
    created_at: dt.datetime = F(description="When the campaign was created.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, cm.Campaign)

    @F(description="Who may be nominated: units or residents anywhere below this area.")
    async def area(self, info: Info) -> Area:
        return await loaders.campaign_area(info, self.area_id)

    @F(description="What nominations are rated on, in the order given at creation.")
    async def criteria(self, info: Info) -> list[RatingCriterion]:
        return await loaders.criteria(info, self.id)

    @F(
        description="Stars by total score, fewest stars first. Only STAR_HOUSEHOLD campaigns give stars; for other "
        "kinds this is empty unless thresholds were given at creation."
    )
    def star_thresholds(self) -> list[StarThreshold]:
        return [StarThreshold(stars=t["stars"], min_score=t["minScore"]) for t in self.star_thresholds]

    @F(description="Residents may vote while the campaign is NOMINATING or SCORING.")
    def voting_open(self) -> bool:
        return voting_open(self)

    @F(
        description="Whether the signed-in user may advance or cancel this campaign and decide its objections."
    )
    def viewer_can_manage(self, info: Info) -> bool:
        return info.context.viewer.can(MANAGE, self)

    @F(description="Nominations of the campaign in the order they were made, optionally of one status.")
    async def nominations(
        self,
        info: Info,
        status: Annotated[
            NominationStatus | None, arg(description="Only nominations with this status.")
        ] = None,
        first: Annotated[int | None, arg(description="Page size (default 50).")] = None,
        after: Annotated[str | None, arg(description="Cursor to continue after.")] = None,
        order_by: Annotated[
            NominationOrder | None, arg(description="Ranking order (default SUBMITTED).")
        ] = None,
    ) -> Connection[Nomination]:
        rows = await loaders.nominations(info, self.id, status)
        if order_by == NominationOrder.VOTES:
            counts = await loaders.vote_counts(info, [n.id for n in rows])
            rows = [n for _, n in sorted(zip(counts, rows, strict=True), key=lambda p: (-p[0], p[1].id))]
        elif order_by == NominationOrder.TOTAL_SCORE:
            # Gathered, so that the loaders batch all rows into one query.
            totals = await asyncio.gather(*(loaders.total(info, n) for n in rows))
            rows = [
                n
                for _, n in sorted(
                    zip(totals, rows, strict=True), key=lambda p: (p[0] is None, -(p[0] or 0), p[1].id)
                )
            ]
        return connection_from_list(rows, first, after)


@strawberry.type(description="One assessor's score for one criterion of a nomination.")
class CriterionScore:
    score: float = F(description="The score, 0 to the criterion's maxScore.")
    comment: str | None = F(description="The assessor's remark.")
    updated_at: dt.datetime = F(description="When the score was last given or replaced.")

    @F(description="The criterion scored.")
    async def criterion(self, info: Info) -> RatingCriterion:
        return await loaders.criterion(info, self.criterion_id)

    @F(description="The assessor who gave the score.")
    async def assessor(self, info: Info) -> UserT:
        return await loaders.assessor(info, self.assessor_id)


@strawberry.type(description="An objection filed against a nomination during the public notice (公示).")
class Objection:
    @F(description="Opaque id of the objection; pass it as objectionId to decideObjection.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_gid("Objection", self.id))

    reason: str = F(description="What the objector says is wrong.")
    filed_at: dt.datetime = F(description="When the objection was filed.")
    decided_at: dt.datetime | None = F(description="When a manager decided it; null while undecided.")

    @F(description="UPHELD rejects the nomination; DISMISSED leaves it standing; null while undecided.")
    def outcome(self) -> str | None:
        if self.upheld is None:
            return None
        return "UPHELD" if self.upheld else "DISMISSED"


@strawberry.type(description="A household (unit) or person (resident) put forward in a campaign.")
class Nomination(Node):
    reason: str = F(description="Why the nominee deserves the honour (事迹).")
    status: NominationStatus = F(description="Where the nomination stands.")
    review_note: str | None = F(description="The assessor's note on approval or rejection.")
    rejected_by_objection: bool = F(description="Whether an upheld objection rejected the nomination.")
    created_at: dt.datetime = F(description="When the nomination was made.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, cm.Nomination)

    @F(description="The campaign the nomination belongs to.")
    async def campaign(self, info: Info) -> CivilityCampaign:
        return await loaders.campaign(info, self.campaign_id)

    @F(
        description="The nominated household (STAR_HOUSEHOLD, MOST_BEAUTIFUL_FAMILY); null if the viewer may not see the unit."
    )
    async def unit(self, info: Info) -> UnitT | None:
        return await info.context.loaders.by_id(m.Unit).load(self.unit_id) if self.unit_id else None

    @F(description="The nominated person (MODEL_PERSON); null if the viewer may not see the resident.")
    async def resident(self, info: Info) -> ResidentT | None:
        return (
            await info.context.loaders.by_id(m.Resident).load(self.resident_id) if self.resident_id else None
        )

    @F(
        description="The nominee's name as publicly announced (公示) to everyone who sees the campaign: the "
        "household head's name for household kinds (null if the unit has no recorded head), the "
        "person's name for MODEL_PERSON. Shown even where unit or resident is null for the viewer."
    )
    async def nominee_name(self, info: Info) -> str | None:
        return await loaders.nominee_name(info, self)

    @F(description="Who made the nomination; null if the viewer may not see that account.")
    async def nominated_by(self, info: Info) -> UserT | None:
        if not self.nominated_by_id:
            return None
        return await info.context.loaders.by_id(m.User).load(self.nominated_by_id)

    @F(
        description="Every assessor's current score per criterion; staff only (empty for residents, who see "
        "totalScore and starLevel)."
    )
    async def scores(self, info: Info) -> list[CriterionScore]:
        return await loaders.scores(info, self.id)

    @F(
        description="Weighted score on a 0-100 scale: per criterion the mean of assessors' scores as a share of "
        "maxScore, weighted by criterion weight. A criterion nobody scored counts as 0; null while "
        "nothing is scored."
    )
    async def total_score(self, info: Info) -> float | None:
        return await loaders.total(info, self)

    @F(
        description="Stars from starThresholds once scored (STAR_HOUSEHOLD): the most stars whose minScore the "
        "total reaches; null below every threshold and for other kinds. Frozen at publication."
    )
    async def star_level(self, info: Info) -> int | None:
        return await loaders.stars(info, self)

    @F(description="Number of residents who voted for the nomination.")
    async def vote_count(self, info: Info) -> int:
        return await loaders.vote_count(info, self.id)

    @F(description="Whether the signed-in user has voted for this nomination.")
    async def viewer_has_voted(self, info: Info) -> bool:
        return await loaders.viewer_has_voted(info, self.id)

    @F(description="Whether the signed-in user may review and score this nomination (civility.assess).")
    def viewer_can_assess(self, info: Info) -> bool:
        return info.context.viewer.can(ASSESS, self)

    @F(description="Objections filed against the nomination, oldest first.")
    async def objections(self, info: Info) -> list[Objection]:
        return await loaders.objections(info, self.id)


@strawberry.type(description="An award a household or person received in a published campaign.")
class CivilityHonor:
    nomination: Nomination = F(description="The awarded nomination.")

    @F(description="The published campaign that gave the award.")
    async def campaign(self, info: Info) -> CivilityCampaign:
        return await loaders.campaign(info, self.nomination.campaign_id)

    @F(description="Stars awarded (STAR_HOUSEHOLD); null for other kinds.")
    def star_level(self) -> int | None:
        return self.nomination.award_stars

    @F(description="The year of the campaign.")
    async def year(self, info: Info) -> int:
        return (await loaders.campaign(info, self.nomination.campaign_id)).year


@strawberry.type(description="Result of a campaign mutation.")
class CivilityCampaignPayload:
    campaign: CivilityCampaign | None = F(
        description="The campaign as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")


@strawberry.type(description="Result of a nomination mutation.")
class NominationPayload:
    nomination: Nomination | None = F(
        description="The nomination as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(description="Why the mutation failed; empty on success.")
