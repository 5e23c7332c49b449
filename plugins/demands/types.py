"""The plugin's GraphQL types. Resolvers receive the plugin's model rows as ``self``; every
relation goes through a per-request loader (plugins.demands.loaders)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core import clock
from core import models as m
from core.api.relay import Node
from core.api.types import Area, OrganizationT, ResidentT, SubdistrictT, UnitT, UserError, UserT
from core.enums import OrganizationKind
from core.ids import encode_gid
from plugins.demands import loaders, models
from plugins.demands.enums import (
    RUNNING_STATUSES,
    DemandAssignmentStatus,
    DemandChannel,
    DemandScope,
    DemandStatus,
    WhistleCallStatus,
    WhistleStatus,
)

F = strawberry.field


def is_overdue(d: models.Demand, now: dt.datetime | None = None) -> bool:
    """The same rule as stats.overdue_q, on a loaded row."""
    now = now or clock.now()
    return d.status in RUNNING_STATUSES and d.due_at is not None and d.due_at < now


def is_late(d: models.Demand, now: dt.datetime | None = None) -> bool:
    if d.due_at is None:
        return False
    if d.delivered_at is not None:
        return d.delivered_at > d.due_at
    return is_overdue(d, now)


@strawberry.type(
    name="DemandCategory",
    description="A kind of need the district handles, with its service-level target. Managed per deployment.",
)
class DemandCategoryType(Node):
    name: str = F(description="The category's name, e.g. 适老化改造.")
    sla_days: int = F(description="Days from dispatch until delivery is due (the SLA).")
    active: bool = F(description="Whether new demands may be filed under it.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.DemandCategory)

    @F(description="Organisation kinds usually dispatched for this category (a hint for the dispatcher).")
    def suggested_organization_kinds(self) -> list[OrganizationKind]:
        return [OrganizationKind(k) for k in self.suggested_kinds or []]


@strawberry.type(
    name="DemandAssignment",
    description="One organisation's part in a demand (接单): offered, then accepted or declined.",
)
class DemandAssignmentType(Node):
    status: DemandAssignmentStatus = F(description="Where the offer stands.")
    offered_at: dt.datetime = F(description="When the demand was offered to the organisation.")
    answered_at: dt.datetime | None = F(description="When the organisation accepted or declined.")
    decline_reason: str | None = F(description="Why the organisation declined.")
    contribution: str | None = F(description="What the organisation commits to or reports having done.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.DemandAssignment)

    @F(description="The demand offered.")
    async def demand(self, info: Info) -> DemandType:
        return await loaders.demands_as_context(info).load(self.demand_id)

    @F(description="The organisation it was offered to.")
    async def organization(self, info: Info) -> OrganizationT:
        return await loaders.organizations(info).load(self.organization_id)

    @F(description="The user who accepted or declined for the organisation.")
    async def answered_by(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.answered_by_id) if self.answered_by_id else None


@strawberry.type(name="DemandRating", description="The submitter's rating of the delivery (评单).")
class DemandRatingType:
    score: int = F(description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str | None = F(description="What the submitter said.")
    rated_at: dt.datetime = F(description="When it was rated.")
    rated_by_id: strawberry.Private[int | None] = None

    @F(description="Who rated it.")
    async def rated_by(self, info: Info) -> UserT:
        return await loaders.users(info).load(self.rated_by_id)


@strawberry.type(name="DemandEvent", description="One move of a demand, oldest first.")
class DemandEventType:
    at: dt.datetime = F(description="When it happened.")
    kind: str = F(
        description="e.g. SUBMITTED, DISPATCHED, OFFER_DECLINED, ACCEPTED, DELIVERED, REWORK_REQUESTED, RATED, AUTO_CLOSED, REJECTED, WITHDRAWN, WHISTLE_BLOWN, OVERDUE."
    )
    from_status: DemandStatus | None = F(
        description="Status before the move; null when the status did not change (a further acceptance, a decline that leaves offers open, a whistle, the overdue notice) and on SUBMITTED."
    )
    to_status: DemandStatus | None = F(
        description="Status after the move; null when the status did not change."
    )
    note: str | None = F(description="The organisations offered, the reason given, the score, or a summary.")

    @F(description="Who made the move; null for moves the system made (AUTO_CLOSED, OVERDUE).")
    async def actor(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.actor_id) if self.actor_id else None


@strawberry.type(
    name="Demand", description="A resident's or the community's need, one line of the project ledger (台账)."
)
class DemandType(Node):
    ledger_number: str = F(
        description="Human-readable ledger number unique in the deployment, gap-free per year, e.g. XQ-2026-000123."
    )
    title: str = F(description="One-line summary.")
    description: str = F(description="The need as told.")
    scope: DemandScope = F(description="Whose need it is.")
    channel: DemandChannel = F(description="How the need reached the community.")
    status: DemandStatus = F(description="Where the demand is in its lifecycle.")
    submitted_at: dt.datetime = F(description="When it was entered.")
    dispatched_at: dt.datetime | None = F(
        description="When it was dispatched (the latest dispatch); null before dispatch."
    )
    due_at: dt.datetime | None = F(
        description="dispatchedAt plus the category's slaDays; null before dispatch."
    )
    delivered_at: dt.datetime | None = F(
        description="When delivery was reported (cleared by a rework request)."
    )
    closed_at: dt.datetime | None = F(description="When it was rated or closed by itself.")
    delivery_report: str | None = F(description="What was done, as reported on delivery.")
    rejection_reason: str | None = F(description="Why the community turned it down.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.Demand)

    @F(description="What kind of need it is.")
    async def category(self, info: Info) -> DemandCategoryType:
        return await loaders.categories(info).load(self.category_id)

    @F(
        description="Where the need is: the building, compound or community given, or for a HOUSEHOLD demand submitted without one, the household's building."
    )
    async def area(self, info: Info) -> Area:
        return await loaders.areas(info).load(self.area_id)

    @F(description="The submitter's unit, for a HOUSEHOLD demand (null too when the viewer may not see it).")
    async def unit(self, info: Info) -> UnitT | None:
        return await info.context.loaders.by_id(m.Unit).load(self.unit_id) if self.unit_id else None

    @F(
        description="The resident whose need it is; null for a PUBLIC demand raised by staff (null too when the viewer may not read that resident)."
    )
    async def submitter(self, info: Info) -> ResidentT | None:
        return (
            await info.context.loaders.by_id(m.Resident).load(self.submitter_id)
            if self.submitter_id
            else None
        )

    @F(description="The account that entered it (the resident, or staff on their behalf).")
    async def entered_by(self, info: Info) -> UserT:
        return await loaders.users(info).load(self.entered_by_id)

    @F(description="Not yet delivered and past dueAt.")
    def overdue(self) -> bool:
        return is_overdue(self)

    @F(description="Delivered (or still open) after dueAt.")
    def late(self) -> bool:
        return is_late(self)

    @F(description="The organisations it was offered to, in the order offered.")
    async def assignments(self, info: Info) -> list[DemandAssignmentType]:
        return await loaders.assignments(info).load(self.id)

    @F(description="The submitter's rating, once rated.")
    def rating(self) -> DemandRatingType | None:
        if self.rating_score is None:
            return None
        return DemandRatingType(
            score=self.rating_score,
            comment=self.rating_comment,
            rated_at=self.rated_at,
            rated_by_id=self.rated_by_id,
        )

    @F(description="The whistle blown for this demand, if it was escalated to the subdistrict.")
    async def whistle(self, info: Info) -> WhistleType | None:
        return await loaders.demand_whistles(info).load(self.id)

    @F(description="Every move of the demand with its actor and time, oldest first.")
    async def events(self, info: Info) -> list[DemandEventType]:
        return await loaders.events(info).load(self.id)


@strawberry.type(
    name="WhistleCall",
    description="One department summoned by a whistle. Lifecycle: SUMMONED -(report)-> REPORTED -(complete)-> DONE; other moves INVALID_TRANSITION.",
)
class WhistleCallType:
    status: WhistleCallStatus = F(description="Where the department stands.")
    report_by: dt.datetime = F(description="When the department must report by.")
    reported_at: dt.datetime | None = F(description="When it reported (报到).")
    commitment: str | None = F(description="What the department will do.")
    outcome: str | None = F(description="What it did.")
    done_at: dt.datetime | None = F(description="When it finished its part.")

    @F(description="Opaque id of the call; pass it to reportToWhistle and completeWhistleCall.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_gid("WhistleCall", self.id))

    @F(description="The whistle that summoned the department.")
    async def whistle(self, info: Info) -> WhistleType:
        return await loaders.whistles_as_context(info).load(self.whistle_id)

    @F(description="The department summoned.")
    async def organization(self, info: Info) -> OrganizationT:
        return await loaders.organizations(info).load(self.organization_id)

    @F(description="Who reported for the department.")
    async def reported_by(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.reported_by_id) if self.reported_by_id else None

    @F(description="Reported after reportBy, or not reported and reportBy has passed.")
    def late(self) -> bool:
        if self.reported_at is not None:
            return self.reported_at > self.report_by
        return self.report_by < clock.now()


@strawberry.type(
    name="Whistle",
    description="街道吹哨: a subdistrict summons departments to solve together what one body cannot.",
)
class WhistleType(Node):
    title: str = F(description="One-line summary.")
    description: str = F(description="The problem and what is asked of the departments.")
    status: WhistleStatus = F(description="Where the whistle is in its lifecycle.")
    blown_at: dt.datetime = F(description="When it was blown.")
    resolved_at: dt.datetime | None = F(description="When it was resolved.")
    resolution: str | None = F(description="How it was solved.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.Whistle)

    @F(description="The subdistrict that blew the whistle.")
    async def subdistrict(self, info: Info) -> SubdistrictT:
        return await loaders.areas(info).load(self.subdistrict_id)

    @F(description="Where the problem is.")
    async def area(self, info: Info) -> Area:
        return await loaders.areas(info).load(self.area_id)

    @F(description="Who blew it.")
    async def blown_by(self, info: Info) -> UserT:
        return await loaders.users(info).load(self.blown_by_id)

    @F(description="The demand escalated, if any (null too when the viewer may not read it).")
    async def demand(self, info: Info) -> DemandType | None:
        return (
            await info.context.loaders.by_id(models.Demand).load(self.demand_id) if self.demand_id else None
        )

    @F(description="The departments summoned, in the order named.")
    async def calls(self, info: Info) -> list[WhistleCallType]:
        return await loaders.calls(info).load(self.id)


# ---------------------------------------------------------------- statistics


@strawberry.type(name="DemandCategoryCount", description="Demands of one category.")
class DemandCategoryCountType:
    count: int = F(description="Number of demands.")
    category_id: strawberry.Private[int] = 0

    @F(description="The category.")
    async def category(self, info: Info) -> DemandCategoryType:
        return await loaders.categories(info).load(self.category_id)


@strawberry.type(
    name="OrganizationDemandRecord",
    description="How one partner organisation does on demands offered to it (a league table row).",
)
class OrganizationDemandRecordType:
    offered: int = F(description="Assignments offered to it, cancelled ones excluded.")
    accepted: int = F(description="Offers it accepted.")
    declined: int = F(description="Offers it declined.")
    delivered: int = F(description="Demands it accepted that are now DELIVERED or CLOSED.")
    on_time_rate: float | None = F(
        description="Share of its delivered demands delivered by dueAt; null when none."
    )
    average_score: float | None = F(
        description="Mean rating of the demands it accepted; null when none rated."
    )
    organization_id: strawberry.Private[int] = 0

    @F(description="The organisation.")
    async def organization(self, info: Info) -> OrganizationT:
        return await loaders.organizations(info).load(self.organization_id)


@strawberry.type(
    name="DemandStats",
    description="The seed's ledger figures for an area and period (by submittedAt, half-open [from, to)): demands at or below the area that the viewer may read.",
)
class DemandStatsType:
    # (lineage column, area id, from, to): what every figure is computed over, batched per request.
    key: strawberry.Private[tuple] = ()

    async def _tally(self, info: Info):
        return await loaders.stats(info, *self.key[0:1], *self.key[2:]).load(self.key[1])

    @F(description="Demands submitted in the period.")
    async def total(self, info: Info) -> int:
        return (await self._tally(info)).total

    @F(description="Now SUBMITTED, DISPATCHED or ACCEPTED.")
    async def open(self, info: Info) -> int:
        return (await self._tally(info)).open

    @F(description="Now DELIVERED (awaiting a rating).")
    async def delivered(self, info: Info) -> int:
        return (await self._tally(info)).delivered

    @F(description="Now CLOSED.")
    async def closed(self, info: Info) -> int:
        return (await self._tally(info)).closed

    @F(description="Now REJECTED.")
    async def rejected(self, info: Info) -> int:
        return (await self._tally(info)).rejected

    @F(description="Now WITHDRAWN.")
    async def withdrawn(self, info: Info) -> int:
        return (await self._tally(info)).withdrawn

    @F(
        description="(DELIVERED + CLOSED) / (total - WITHDRAWN); the report's 解决率. Null when nothing counts."
    )
    async def resolution_rate(self, info: Info) -> float | None:
        return (await self._tally(info)).resolution_rate

    @F(description="Share of delivered demands (now DELIVERED or CLOSED) delivered by dueAt; null when none.")
    async def on_time_rate(self, info: Info) -> float | None:
        return (await self._tally(info)).on_time_rate

    @F(description="Mean rating score; null when none rated.")
    async def average_score(self, info: Info) -> float | None:
        return (await self._tally(info)).average_score

    @F(description="Share of ratings of 4 or 5; null when none rated.")
    async def satisfaction_rate(self, info: Info) -> float | None:
        return (await self._tally(info)).satisfaction_rate

    @F(description="Of the open demands, those overdue (dispatched, not delivered, past dueAt).")
    async def overdue_open(self, info: Info) -> int:
        return (await self._tally(info)).overdue_open

    @F(
        description="Mean days from submission to delivery of the demands now DELIVERED or CLOSED; null when none."
    )
    async def average_days_to_deliver(self, info: Info) -> float | None:
        return (await self._tally(info)).average_days_to_deliver

    @F(description="Demands per category, most first; categories without demands are left out.")
    async def by_category(self, info: Info) -> list[DemandCategoryCountType]:
        column, area_id, frm, to = self.key
        rows = await loaders.stats_by_category(info, column, frm, to).load(area_id)
        return [DemandCategoryCountType(category_id=c, count=n) for c, n in rows]

    @F(
        description="Organisations ordered by delivered, then onTimeRate, descending (the first `first` of them)."
    )
    async def organizations(self, info: Info, first: int | None = None) -> list[OrganizationDemandRecordType]:
        column, area_id, frm, to = self.key
        records = await loaders.stats_organizations(info, column, frm, to).load(area_id)
        if first is not None:
            records = records[: max(0, first)]
        return [
            OrganizationDemandRecordType(
                organization_id=r.organization_id,
                offered=r.offered,
                accepted=r.accepted,
                declined=r.declined,
                delivered=r.delivered,
                on_time_rate=r.on_time_rate,
                average_score=r.average_score,
            )
            for r in records
        ]

    @F(description="Whistles blown in the period at or below the area.")
    async def whistles_blown(self, info: Info) -> int:
        column, area_id, frm, to = self.key
        return (await loaders.stats_whistles(info, column, frm, to).load(area_id)).blown

    @F(
        description="Share of whistle calls reported by their reportBy, among those reported or past reportBy; null when none."
    )
    async def whistle_report_on_time_rate(self, info: Info) -> float | None:
        column, area_id, frm, to = self.key
        return (await loaders.stats_whistles(info, column, frm, to).load(area_id)).report_on_time_rate


# ---------------------------------------------------------------- payloads


@strawberry.type(name="DemandPayload", description="Result of a demand mutation.")
class DemandPayload:
    demand: DemandType | None = F(description="The demand as it is now; null when the mutation failed.")
    user_errors: list[UserError] = F(
        description="Why nothing changed (INVALID_TRANSITION, FORBIDDEN, NOT_FOUND, INVALID_INPUT, ...); empty on success."
    )


@strawberry.type(name="DemandCategoryPayload", description="Result of a category mutation.")
class DemandCategoryPayload:
    category: DemandCategoryType | None = F(
        description="The category as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(description="Why nothing changed; empty on success.")


@strawberry.type(name="DemandAssignmentPayload", description="Result of answerDemandOffer.")
class DemandAssignmentPayload:
    assignment: DemandAssignmentType | None = F(
        description="The assignment as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(description="Why nothing changed; empty on success.")


@strawberry.type(name="WhistlePayload", description="Result of a whistle mutation.")
class WhistlePayload:
    whistle: WhistleType | None = F(description="The whistle as it is now; null when the mutation failed.")
    user_errors: list[UserError] = F(description="Why nothing changed; empty on success.")


@strawberry.type(name="OrganizationLiaisonPayload", description="Result of adding or removing a liaison.")
class OrganizationLiaisonPayload:
    organization: OrganizationT | None = F(description="The organisation; null when the mutation failed.")
    user_errors: list[UserError] = F(description="Why nothing changed; empty on success.")
