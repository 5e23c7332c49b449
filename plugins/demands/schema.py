"""The plugin's GraphQL fields: Query, Mutation and Subscription, and the fields it adds to core
types. Thin: ids are decoded here once, the rules live in plugins.demands.services."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q, Subquery

from core import clock
from core import models as m
from core.access import visible
from core.api.areas import visible_area
from core.api.budget import charge
from core.api.mutation import run_mutation
from core.api.relay import Connection, connection_from_list, connection_from_queryset
from core.api.subscriptions import rows_changed_at_or_below
from core.api.types import UserT
from core.dates import period
from core.enums import lineage_column
from core.errors import ApiError, Code
from core.ids import decode_area_gid
from plugins.demands import loaders
from plugins.demands.checks import pk_of, query_text
from plugins.demands.enums import DemandAssignmentStatus, WhistleCallStatus, WhistleStatus
from plugins.demands.inputs import (
    AnswerDemandOfferInput,
    BlowWhistleInput,
    CompleteWhistleCallInput,
    CreateDemandCategoryInput,
    DeliverDemandInput,
    DemandFilter,
    DispatchDemandInput,
    RateDemandInput,
    ReportToWhistleInput,
    ResolveWhistleInput,
    SubmitDemandInput,
    UpdateDemandCategoryInput,
)
from plugins.demands.models import Demand, DemandAssignment, DemandCategory, Whistle, WhistleCall
from plugins.demands.services import directory, ledger, whistles
from plugins.demands.services.common import DEMAND_TOPIC
from plugins.demands.stats import overdue_q
from plugins.demands.types import (
    DemandAssignmentPayload,
    DemandAssignmentType,
    DemandCategoryPayload,
    DemandCategoryType,
    DemandPayload,
    DemandStatsType,
    DemandType,
    OrganizationLiaisonPayload,
    WhistleCallType,
    WhistlePayload,
    WhistleType,
)

NO_ROWS = Q(id__in=[])
MAX_CALLS = 500  # myWhistleCalls without `first`
From = Annotated[
    dt.datetime | None,
    strawberry.argument(name="from", description="Demands submitted at or after this time."),
]
To = Annotated[dt.datetime | None, strawberry.argument(description="Demands submitted before this time.")]
Reason = Annotated[
    str, strawberry.argument(description="Why, in words the submitter (or the departments) will read.")
]


def at_or_below(area: m.Area | None) -> Q:
    return Q(**{lineage_column(area.level): area.id}) if area is not None else NO_ROWS


async def demand_where(info: Info, f: DemandFilter | None) -> Q:
    if f is None:
        return Q()
    parts: list[Q] = []
    if f.area_id is not None:
        parts.append(at_or_below(await visible_area(info, f.area_id)))
    if f.status is not None:
        parts.append(Q(status__in=list(f.status)) if f.status else NO_ROWS)
    if f.category_id is not None:
        parts.append(Q(category_id=pk_of(f.category_id, "DemandCategory") or 0))
    if f.scope is not None:
        parts.append(Q(scope=f.scope))
    if f.organization_id is not None:
        org = pk_of(f.organization_id, "Organization") or 0
        offered = DemandAssignment.filter(organization_id=org).exclude(
            status=DemandAssignmentStatus.CANCELLED
        )
        parts.append(Q(id__in=Subquery(offered.values("demand_id"))))
    if f.overdue is not None:
        late = overdue_q(clock.now())
        parts.append(late if f.overdue else ~late)
    frm, to = period(f.submitted_from, f.submitted_to, ("submittedFrom", "submittedTo"))
    if frm is not None:
        parts.append(Q(submitted_at__gte=frm))
    if to is not None:
        parts.append(Q(submitted_at__lt=to))
    term = query_text(f.search, "search")
    if term:
        parts.append(
            Q(
                Q(title__icontains=term),
                Q(description__icontains=term),
                Q(ledger_number__icontains=term),
                join_type="OR",
            )
        )
    return Q(*parts) if parts else Q()


def stats_of(area: m.Area, frm, to) -> DemandStatsType:
    return DemandStatsType(key=(lineage_column(area.level), area.id, frm, to))


@strawberry.type(description="Demand (party-building ledger) and whistle queries.")
class DemandsQuery:
    @strawberry.field(description="One demand by global id; null when unknown or outside the viewer's scope.")
    async def demand(self, info: Info, id: strawberry.ID) -> DemandType | None:
        pk = pk_of(id, "Demand")
        return await info.context.loaders.by_id(Demand).load(pk) if pk else None

    @strawberry.field(description="Demands the viewer may read, filtered; newest submission first.")
    async def demands(
        self,
        info: Info,
        filter: DemandFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DemandType]:
        qs = visible(info.context.viewer, Demand).filter(await demand_where(info, filter))
        return await connection_from_queryset(qs.order_by("-submitted_at", "-id"), first, after)

    @strawberry.field(
        description="The deployment's demand categories by name; inactive ones only when asked for."
    )
    async def demand_categories(
        self,
        info: Info,
        include_inactive: Annotated[
            bool | None, strawberry.argument(description="Also list retired categories (active false).")
        ] = None,
    ) -> list[DemandCategoryType]:
        qs = visible(info.context.viewer, DemandCategory)
        if not include_inactive:
            qs = qs.filter(active=True)
        return await qs.order_by("name", "id")

    @strawberry.field(
        description="Ledger figures for demands submitted in [from, to) at or below the area (NOT_FOUND when the area is unknown or out of scope). Only demands the viewer may read are counted."
    )
    async def demand_stats(
        self, info: Info, area_id: strawberry.ID, from_: From = None, to: To = None
    ) -> DemandStatsType:
        frm, to = period(from_, to)
        area = await visible_area(info, area_id)
        if area is None:
            raise ApiError("Area not found", Code.NOT_FOUND)
        return stats_of(area, frm, to)

    @strawberry.field(
        description="One whistle by global id; null when unknown or outside the viewer's scope."
    )
    async def whistle(self, info: Info, id: strawberry.ID) -> WhistleType | None:
        pk = pk_of(id, "Whistle")
        return await info.context.loaders.by_id(Whistle).load(pk) if pk else None

    @strawberry.field(
        description="Whistles the viewer may read, at or below the area and of the status when given; newest first."
    )
    async def whistles(
        self,
        info: Info,
        area_id: strawberry.ID | None = None,
        status: Annotated[
            WhistleStatus | None, strawberry.argument(description="Only whistles in this status.")
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WhistleType]:
        qs = visible(info.context.viewer, Whistle)
        if area_id is not None:
            qs = qs.filter(at_or_below(await visible_area(info, area_id)))
        if status is not None:
            qs = qs.filter(status=status)
        return await connection_from_queryset(qs.order_by("-blown_at", "-id"), first, after)

    @strawberry.field(
        description="Demands with an offer waiting for an answer from an organisation the viewer is a liaison of."
    )
    async def my_demand_offers(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DemandType]:
        qs = loaders.my_offer_demands(info.context.viewer)
        return await connection_from_queryset(qs.order_by("-dispatched_at", "-id"), first, after)

    @strawberry.field(
        description="Whistle calls not yet DONE for organisations the viewer is a liaison of, soonest reportBy first (calls of OPEN whistles)."
    )
    async def my_whistle_calls(self, info: Info, first: int | None = None) -> list[WhistleCallType]:
        from plugins.demands.access import liaison_orgs

        viewer = info.context.viewer
        open_whistles = Subquery(visible(viewer, Whistle).filter(status=WhistleStatus.OPEN).values("id"))
        qs = (
            WhistleCall.filter(organization_id__in=liaison_orgs(viewer), whistle_id__in=open_whistles)
            .exclude(status=WhistleCallStatus.DONE)
            .order_by("report_by", "id")
        )
        rows = list(await qs.limit(max(0, first) if first is not None else MAX_CALLS))
        charge(len(rows))  # read here, not through a loader: counted against the request's cap
        return rows


# ---------------------------------------------------------------- mutations


async def _demand(info: Info, work) -> DemandPayload:
    return await run_mutation(info, work, DemandPayload, "demand")


async def _whistle(info: Info, work) -> WhistlePayload:
    return await run_mutation(info, work, WhistlePayload, "whistle")


def _ref_given(gid) -> bool:
    return gid is not None


@strawberry.type(description="Demand (party-building ledger) and whistle mutations.")
class DemandsMutation:
    @strawberry.mutation(description="Creates a demand category (demands.category.manage at district level).")
    async def create_demand_category(
        self, info: Info, input: CreateDemandCategoryInput
    ) -> DemandCategoryPayload:
        return await run_mutation(
            info,
            lambda: directory.create_category(
                info.context,
                name=input.name,
                sla_days=input.sla_days,
                kinds=input.suggested_organization_kinds,
            ),
            DemandCategoryPayload,
            "category",
        )

    @strawberry.mutation(
        description="Changes a demand category (demands.category.manage at district level); a new SLA applies to later dispatches."
    )
    async def update_demand_category(
        self, info: Info, input: UpdateDemandCategoryInput
    ) -> DemandCategoryPayload:
        return await run_mutation(
            info,
            lambda: directory.update_category(
                info.context,
                category_pk=pk_of(input.category_id, "DemandCategory"),
                name=input.name,
                sla_days=input.sla_days,
                kinds=input.suggested_organization_kinds,
                active=input.active,
            ),
            DemandCategoryPayload,
            "category",
        )

    @strawberry.mutation(description="Lets a user answer offers and whistle calls for the organisation.")
    async def add_organization_liaison(
        self, info: Info, organization_id: strawberry.ID, user_id: strawberry.ID
    ) -> OrganizationLiaisonPayload:
        return await run_mutation(
            info,
            lambda: directory.add_liaison(
                info.context,
                organization_pk=pk_of(organization_id, "Organization"),
                user_pk=pk_of(user_id, "User"),
            ),
            OrganizationLiaisonPayload,
            "organization",
        )

    @strawberry.mutation(
        description="Stops a user answering for the organisation (NOT_FOUND when they were not its liaison)."
    )
    async def remove_organization_liaison(
        self, info: Info, organization_id: strawberry.ID, user_id: strawberry.ID
    ) -> OrganizationLiaisonPayload:
        return await run_mutation(
            info,
            lambda: directory.remove_liaison(
                info.context,
                organization_pk=pk_of(organization_id, "Organization"),
                user_pk=pk_of(user_id, "User"),
            ),
            OrganizationLiaisonPayload,
            "organization",
        )

    @strawberry.mutation(
        description="点单: enters a need in the ledger with a new ledger number (status SUBMITTED). Staff need demands.demand.submit over the area; a resident submits their own in their home areas. Idempotent by clientMutationId."
    )
    async def submit_demand(self, info: Info, input: SubmitDemandInput) -> DemandPayload:
        return await _demand(
            info,
            lambda: ledger.submit_demand(
                info.context,
                area_ref=decode_area_gid(input.area_id),
                area_given=_ref_given(input.area_id),
                category_pk=pk_of(input.category_id, "DemandCategory"),
                title=input.title,
                description=input.description,
                scope=input.scope,
                channel=input.channel,
                submitter_pk=pk_of(input.submitter_id, "Resident"),
                submitter_given=_ref_given(input.submitter_id),
                client_mutation_id=input.client_mutation_id,
            ),
        )

    @strawberry.mutation(
        description="下单: SUBMITTED -> DISPATCHED, offering the demand to the organisations (demands.demand.dispatch); dueAt is now plus the category's slaDays; their liaisons are notified (demands.offered)."
    )
    async def dispatch_demand(self, info: Info, input: DispatchDemandInput) -> DemandPayload:
        return await _demand(
            info,
            lambda: ledger.dispatch_demand(
                info.context,
                demand_pk=pk_of(input.demand_id, "Demand"),
                organization_ids=input.organization_ids,
                note=input.note,
            ),
        )

    @strawberry.mutation(
        description="接单: a liaison accepts (the first acceptance moves DISPATCHED -> ACCEPTED; several may accept) or declines with a reason; when every offer is declined the demand returns to SUBMITTED."
    )
    async def answer_demand_offer(self, info: Info, input: AnswerDemandOfferInput) -> DemandAssignmentPayload:
        return await run_mutation(
            info,
            lambda: ledger.answer_offer(
                info.context,
                assignment_pk=pk_of(input.assignment_id, "DemandAssignment"),
                accept=input.accept,
                reason=input.reason,
                contribution=input.contribution,
            ),
            DemandAssignmentPayload,
            "assignment",
        )

    @strawberry.mutation(
        description="ACCEPTED -> DELIVERED with the report (a liaison of an accepting organisation, or a dispatcher); notifies the submitter (demands.delivered)."
    )
    async def deliver_demand(self, info: Info, input: DeliverDemandInput) -> DemandPayload:
        return await _demand(
            info,
            lambda: ledger.deliver_demand(
                info.context, demand_pk=pk_of(input.demand_id, "Demand"), report=input.report
            ),
        )

    @strawberry.mutation(description="DELIVERED -> ACCEPTED: the submitter asks for rework, with the reason.")
    async def request_demand_rework(
        self, info: Info, demand_id: strawberry.ID, reason: Reason
    ) -> DemandPayload:
        return await _demand(
            info,
            lambda: ledger.request_rework(info.context, demand_pk=pk_of(demand_id, "Demand"), reason=reason),
        )

    @strawberry.mutation(
        description="评单: DELIVERED -> CLOSED with the submitter's rating (only the submitter may rate)."
    )
    async def rate_demand(self, info: Info, input: RateDemandInput) -> DemandPayload:
        return await _demand(
            info,
            lambda: ledger.rate_demand(
                info.context,
                demand_pk=pk_of(input.demand_id, "Demand"),
                score=input.score,
                comment=input.comment,
            ),
        )

    @strawberry.mutation(description="SUBMITTED -> REJECTED with the reason (demands.demand.dispatch).")
    async def reject_demand(self, info: Info, demand_id: strawberry.ID, reason: Reason) -> DemandPayload:
        return await _demand(
            info,
            lambda: ledger.reject_demand(info.context, demand_pk=pk_of(demand_id, "Demand"), reason=reason),
        )

    @strawberry.mutation(
        description="SUBMITTED or DISPATCHED -> WITHDRAWN, by the submitter; open offers are CANCELLED."
    )
    async def withdraw_demand(self, info: Info, demand_id: strawberry.ID) -> DemandPayload:
        return await _demand(
            info, lambda: ledger.withdraw_demand(info.context, demand_pk=pk_of(demand_id, "Demand"))
        )

    @strawberry.mutation(
        description="街道吹哨: summons departments for a problem in the subdistrict (demands.whistle.blow over the area); their liaisons are notified (demands.whistle)."
    )
    async def blow_whistle(self, info: Info, input: BlowWhistleInput) -> WhistlePayload:
        return await _whistle(
            info,
            lambda: whistles.blow_whistle(
                info.context,
                area_ref=decode_area_gid(input.area_id),
                title=input.title,
                description=input.description,
                organization_ids=input.organization_ids,
                report_by=input.report_by,
                demand_pk=pk_of(input.demand_id, "Demand"),
                demand_given=_ref_given(input.demand_id),
            ),
        )

    @strawberry.mutation(
        description="部门报到: SUMMONED -> REPORTED with the department's commitment (a liaison of the department)."
    )
    async def report_to_whistle(self, info: Info, input: ReportToWhistleInput) -> WhistlePayload:
        return await _whistle(
            info,
            lambda: whistles.report_to_whistle(
                info.context, call_pk=pk_of(input.whistle_call_id, "WhistleCall"), commitment=input.commitment
            ),
        )

    @strawberry.mutation(
        description="REPORTED -> DONE with what the department did (a liaison of the department)."
    )
    async def complete_whistle_call(self, info: Info, input: CompleteWhistleCallInput) -> WhistlePayload:
        return await _whistle(
            info,
            lambda: whistles.complete_call(
                info.context, call_pk=pk_of(input.whistle_call_id, "WhistleCall"), outcome=input.outcome
            ),
        )

    @strawberry.mutation(
        description="OPEN -> RESOLVED once every call is DONE (else INVALID_TRANSITION); demands.whistle.blow."
    )
    async def resolve_whistle(self, info: Info, input: ResolveWhistleInput) -> WhistlePayload:
        return await _whistle(
            info,
            lambda: whistles.resolve_whistle(
                info.context, whistle_pk=pk_of(input.whistle_id, "Whistle"), resolution=input.resolution
            ),
        )

    @strawberry.mutation(description="OPEN -> CANCELLED with the reason; demands.whistle.blow.")
    async def cancel_whistle(self, info: Info, whistle_id: strawberry.ID, reason: Reason) -> WhistlePayload:
        return await _whistle(
            info,
            lambda: whistles.cancel_whistle(
                info.context, whistle_pk=pk_of(whistle_id, "Whistle"), reason=reason
            ),
        )


# ---------------------------------------------------------------- subscriptions


@strawberry.type(description="Demand subscriptions.")
class DemandsSubscription:
    @strawberry.subscription(
        description="Every change to a demand located at or below the area (the demand as it is after the change), among the demands the subscriber may read."
    )
    async def demand_updated(self, info: Info, area_id: strawberry.ID) -> AsyncGenerator[DemandType, None]:
        # Returned, not iterated here: strawberry closes it (and its bus queue) when the client leaves.
        return rows_changed_at_or_below(info, area_id, DEMAND_TOPIC, Demand, "demand_id")


# ---------------------------------------------------------------- core type extensions


@strawberry.type(name="DemandsCommunityFields", description="Demand fields of Community.")
class DemandsCommunityFields:
    @strawberry.field(
        description="Ledger figures for demands submitted in [from, to) in the community that the viewer may read."
    )
    def demand_stats(self, info: Info, from_: From = None, to: To = None) -> DemandStatsType:
        frm, to = period(from_, to)
        return DemandStatsType(key=("community_ref", self.id, frm, to))


@strawberry.type(name="DemandsResidentFields", description="Demand fields of Resident.")
class DemandsResidentFields:
    @strawberry.field(description="The resident's demands that the viewer may read, newest first.")
    async def demands(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DemandType]:
        return connection_from_list(await loaders.resident_demands(info).load(self.id), first, after)


@strawberry.type(name="DemandsOrganizationFields", description="Demand fields of Organization.")
class DemandsOrganizationFields:
    @strawberry.field(
        description="Demands offered to this organisation, newest first (those the viewer may read)."
    )
    async def demand_assignments(
        self,
        info: Info,
        status: Annotated[
            DemandAssignmentStatus | None, strawberry.argument(description="Only offers in this status.")
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> list[DemandAssignmentType]:
        rows = await loaders.organization_assignments(info, status).load(self.id)
        return [edge.node for edge in connection_from_list(rows, first, after).edges]

    @strawberry.field(description="The users who answer offers and whistle calls for the organisation.")
    async def liaisons(self, info: Info) -> list[UserT]:
        return await loaders.liaisons(info).load(self.id)
