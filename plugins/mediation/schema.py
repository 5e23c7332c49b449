"""The plugin's GraphQL fields: Query, Mutation and Subscription, and the fields it adds to
core types (Resident.disputeCases, Community.mediationStats). Thin: the rules live in cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q, Subquery

from core.access import below, visible
from core.api.areas import visible_area
from core.api.filters import query_text
from core.api.mutation import run_mutation
from core.api.relay import Connection, connection_from_list, connection_from_queryset
from core.api.subscriptions import rows_changed_at_or_below
from core.dates import period
from core.enums import lineage_column
from core.errors import ApiError, Code
from core.ids import decode_int_gid
from plugins.mediation import loaders
from plugins.mediation.models import DisputeCase, MediationTeamMember
from plugins.mediation.services import cases, stats
from plugins.mediation.services.cases import TOPIC
from plugins.mediation.types import (
    AssignMediationTeamInput,
    CompleteFollowUpInput,
    DisputeCaseFilter,
    DisputeCasePayload,
    DisputeCaseType,
    MediationStats,
    RecordMediationSessionInput,
    ReportDisputeInput,
    ResolveDisputeInput,
)

NO_ROWS = Q(id__in=[])
From = Annotated[
    dt.datetime | None, strawberry.argument(name="from", description="Cases reported at or after this time.")
]
To = Annotated[dt.datetime | None, strawberry.argument(description="Cases reported before this time.")]
Reason = Annotated[
    str, strawberry.argument(description="Why; kept with the record and shown to those concerned.")
]


def check_period(
    frm: dt.datetime | None, to: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    return period(frm, to)


async def case_where(info: Info, f: DisputeCaseFilter | None) -> Q:
    if f is None:
        return Q()
    parts: list[Q] = []
    if f.area_id is not None:
        area = await visible_area(info, f.area_id)
        parts.append(below(area))
    if f.status is not None:
        parts.append(Q(status=f.status))
    if f.category is not None:
        parts.append(Q(category=f.category))
    if f.handling_level is not None:
        parts.append(Q(handling_level=f.handling_level))
    reported_from, reported_to = period(f.reported_from, f.reported_to, ("reportedFrom", "reportedTo"))
    if reported_from is not None:
        parts.append(Q(reported_at__gte=reported_from))
    if reported_to is not None:
        parts.append(Q(reported_at__lt=reported_to))
    if f.assigned_to_user_id is not None:
        user_pk = decode_int_gid(f.assigned_to_user_id, "User")
        parts.append(
            Q(
                Q(case_owner_id=user_pk),
                Q(id__in=Subquery(MediationTeamMember.filter(user_id=user_pk).values("case_id"))),
                join_type="OR",
            )
            if user_pk
            else NO_ROWS
        )
    if query_text(f.search, "search") and f.search.strip():
        term = f.search.strip()
        parts.append(Q(Q(case_number__iendswith=term), Q(title__icontains=term), join_type="OR"))
    return Q(*parts) if parts else Q()


@strawberry.type(description="Dispute mediation queries.")
class MediationQuery:
    @strawberry.field(description="One case by global id; null when unknown or outside the viewer's scope.")
    async def dispute_case(self, info: Info, id: strawberry.ID) -> DisputeCaseType | None:
        if decode_int_gid(id, "DisputeCase") is None:
            return None
        return await info.context.runtime.nodes.resolve(info, id, "DisputeCase")

    @strawberry.field(description="Cases the viewer may read, filtered; newest report first.")
    async def dispute_cases(
        self,
        info: Info,
        filter: DisputeCaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DisputeCaseType]:
        where = await case_where(info, filter)
        qs = visible(info.context.viewer, DisputeCase).filter(where).order_by("-reported_at", "-id")
        return await connection_from_queryset(qs, first, after)

    @strawberry.field(
        description="Dispute figures for cases reported in [from, to) at or below the area (NOT_FOUND when the area is unknown or out of scope). Only cases the viewer may read are counted."
    )
    async def mediation_stats(
        self, info: Info, area_id: strawberry.ID, from_: From = None, to: To = None
    ) -> MediationStats:
        from_, to = check_period(from_, to)
        area = await visible_area(info, area_id)
        if area is None:
            raise ApiError("Area not found", Code.NOT_FOUND)
        found = await stats.tallies(info.context.viewer, lineage_column(area.level), [area.id], from_, to)
        return MediationStats.of(found[area.id], (lineage_column(area.level), area.id, from_, to))


# ---------------------------------------------------------------- mutations


async def _run(info: Info, work) -> DisputeCasePayload:
    return await run_mutation(info, work, DisputeCasePayload, "dispute_case")


@strawberry.type(description="Dispute mediation mutations.")
class MediationMutation:
    @strawberry.mutation(
        description="Reports a dispute (needs mediation.case.report over the area; residents may report in their own community). The case starts REPORTED with a new case number; idempotent by clientMutationId."
    )
    async def report_dispute(self, info: Info, input: ReportDisputeInput) -> DisputeCasePayload:
        return await _run(info, lambda: cases.report_dispute(info.context, input))

    @strawberry.mutation(description="REPORTED -> ACCEPTED (needs mediation.case.manage).")
    async def accept_dispute(self, info: Info, case_id: strawberry.ID) -> DisputeCasePayload:
        return await _run(info, lambda: cases.accept_dispute(info.context, case_id))

    @strawberry.mutation(
        description="Assigns the 4+A team and case owner: ACCEPTED -> IN_MEDIATION, or changes the team of a case IN_MEDIATION. Members must be covered by the case's area (INVALID_TEAM_MEMBER); each newcomer gets a mediation.assigned notification."
    )
    async def assign_mediation_team(self, info: Info, input: AssignMediationTeamInput) -> DisputeCasePayload:
        return await _run(info, lambda: cases.assign_team(info.context, input))

    @strawberry.mutation(
        description="Records a session held on a case IN_MEDIATION (managers of the area, or the case's team and owner)."
    )
    async def record_mediation_session(
        self, info: Info, input: RecordMediationSessionInput
    ) -> DisputeCasePayload:
        return await _run(info, lambda: cases.record_session(info.context, input))

    @strawberry.mutation(
        description="IN_MEDIATION -> RESOLVED with the signed agreement; schedules the follow-ups."
    )
    async def resolve_dispute(self, info: Info, input: ResolveDisputeInput) -> DisputeCasePayload:
        return await _run(info, lambda: cases.resolve_dispute(info.context, input))

    @strawberry.mutation(description="IN_MEDIATION -> FAILED, with the reason.")
    async def mark_dispute_failed(
        self, info: Info, case_id: strawberry.ID, reason: Reason
    ) -> DisputeCasePayload:
        return await _run(info, lambda: cases.mark_failed(info.context, case_id, reason))

    @strawberry.mutation(
        description="Moves an ACCEPTED or IN_MEDIATION case up one handling level (COMPOUND -> COMMUNITY -> SUBDISTRICT) and back to ACCEPTED; refused (INVALID_TRANSITION) beyond SUBDISTRICT."
    )
    async def escalate_dispute(
        self, info: Info, case_id: strawberry.ID, reason: Reason
    ) -> DisputeCasePayload:
        return await _run(info, lambda: cases.escalate(info.context, case_id, reason))

    @strawberry.mutation(
        description="Records a follow-up visit of a RESOLVED case (managers of the area, or the case's team and owner)."
    )
    async def complete_follow_up(self, info: Info, input: CompleteFollowUpInput) -> DisputeCasePayload:
        return await _run(info, lambda: cases.complete_follow_up(info.context, input))

    @strawberry.mutation(
        description="RESOLVED -> CLOSED once every follow-up is done (else INVALID_TRANSITION), or FAILED -> CLOSED."
    )
    async def close_dispute(self, info: Info, case_id: strawberry.ID) -> DisputeCasePayload:
        return await _run(info, lambda: cases.close_dispute(info.context, case_id))


# ---------------------------------------------------------------- subscriptions


@strawberry.type(description="Dispute mediation subscriptions.")
class MediationSubscription:
    @strawberry.subscription(
        description="Every change to a case located at or below the area (each mutation on a case sends the case as it is after the change), among the cases the subscriber may read."
    )
    async def dispute_case_updated(
        self, info: Info, area_id: strawberry.ID
    ) -> AsyncGenerator[DisputeCaseType, None]:
        # Returned, not iterated here: strawberry closes it (and its bus queue) when the client leaves.
        return rows_changed_at_or_below(info, area_id, TOPIC, DisputeCase, "case_id")


# ---------------------------------------------------------------- core type extensions


@strawberry.type(description="Mediation fields of Resident.")
class MediationResidentFields:
    @strawberry.field(
        description="Cases where the resident is a party that the viewer may read, newest report first."
    )
    async def dispute_cases(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DisputeCaseType]:
        return connection_from_list(await loaders.resident_cases(info).load(self.id), first, after)


@strawberry.type(description="Mediation fields of Community.")
class MediationCommunityFields:
    @strawberry.field(
        description="Dispute figures for cases reported in [from, to) in the community that the viewer may read."
    )
    async def mediation_stats(self, info: Info, from_: From = None, to: To = None) -> MediationStats:
        from_, to = check_period(from_, to)
        return MediationStats.of(
            await loaders.community_stats(info, from_, to).load(self.id),
            ("community_ref", self.id, from_, to),
        )
