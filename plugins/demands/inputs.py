"""The plugin's GraphQL input types."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.enums import OrganizationKind
from plugins.demands.enums import DemandChannel, DemandScope, DemandStatus

F = strawberry.field


@strawberry.input(description="Which demands to return; every given condition must hold.")
class DemandFilter:
    area_id: strawberry.ID | None = F(default=None, description="At or below this area.")
    status: list[DemandStatus] | None = F(
        default=None, description="Only demands with one of these statuses."
    )
    category_id: strawberry.ID | None = F(default=None, description="Only demands of this category.")
    scope: DemandScope | None = F(default=None, description="Only HOUSEHOLD or only PUBLIC demands.")
    organization_id: strawberry.ID | None = F(
        default=None, description="Only demands offered to this organisation (cancelled offers excluded)."
    )
    overdue: bool | None = F(
        default=None,
        description="true: only overdue demands (not yet delivered and past dueAt); false: only the others.",
    )
    submitted_from: dt.datetime | None = F(default=None, description="Submitted at or after this time.")
    submitted_to: dt.datetime | None = F(default=None, description="Submitted before this time.")
    search: str | None = F(default=None, description="Matches title, description or ledger number.")


@strawberry.input(description="A new demand category.")
class CreateDemandCategoryInput:
    name: str = F(description="Unique name.")
    sla_days: int = F(description="Days from dispatch until delivery is due (1 to 365).")
    suggested_organization_kinds: list[OrganizationKind] | None = F(
        default=None, description="Organisation kinds usually dispatched for it."
    )


@strawberry.input(description="Changes to a demand category; omitted fields stay as they are.")
class UpdateDemandCategoryInput:
    category_id: strawberry.ID = F(description="The category.")
    name: str | None = F(default=None, description="New unique name.")
    sla_days: int | None = F(default=None, description="New SLA in days (applies to later dispatches).")
    suggested_organization_kinds: list[OrganizationKind] | None = F(
        default=None, description="New hint list."
    )
    active: bool | None = F(default=None, description="false retires the category: no new demands under it.")


@strawberry.input(description="A need to enter in the ledger (点单).")
class SubmitDemandInput:
    area_id: strawberry.ID | None = F(
        default=None,
        description="A building, compound or community; a HOUSEHOLD demand may omit it (the submitter's building is used).",
    )
    category_id: strawberry.ID = F(description="The category.")
    title: str = F(description="One-line summary (at most 200 characters).")
    description: str = F(description="The need as told.")
    scope: DemandScope = F(description="Whose need it is.")
    channel: DemandChannel = F(description="How it reached the community.")
    submitter_id: strawberry.ID | None = F(
        default=None,
        description="The resident whose need it is; a resident account submitting for itself may omit it. Required for HOUSEHOLD when staff submit.",
    )
    client_mutation_id: str | None = F(
        default=None,
        description="Repeating a submission with the same id returns the first result and writes nothing.",
    )


@strawberry.input(description="Offers a SUBMITTED demand to partner organisations (下单).")
class DispatchDemandInput:
    demand_id: strawberry.ID = F(description="The demand.")
    organization_ids: list[strawberry.ID] = F(
        description="Partner organisations offered the demand (at least one)."
    )
    note: str | None = F(default=None, description="What the dispatcher asks of them.")


@strawberry.input(description="An organisation's answer to an offer (接单).")
class AnswerDemandOfferInput:
    assignment_id: strawberry.ID = F(description="The offer (a DemandAssignment).")
    accept: bool = F(description="true accepts, false declines.")
    reason: str | None = F(default=None, description="Required when declining.")
    contribution: str | None = F(
        default=None, description="What the organisation will contribute, when accepting."
    )


@strawberry.input(description="Reports an ACCEPTED demand done.")
class DeliverDemandInput:
    demand_id: strawberry.ID = F(description="The demand.")
    report: str = F(description="What was done.")


@strawberry.input(description="The submitter's rating of a DELIVERED demand (评单).")
class RateDemandInput:
    demand_id: strawberry.ID = F(description="The demand.")
    score: int = F(description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str | None = F(default=None, description="What the submitter says.")


@strawberry.input(description="街道吹哨: what the subdistrict summons departments for.")
class BlowWhistleInput:
    area_id: strawberry.ID = F(
        description="A community, compound or building in the subdistrict; the whistle belongs to its subdistrict."
    )
    title: str = F(description="One-line summary.")
    description: str = F(description="The problem and what is asked.")
    organization_ids: list[strawberry.ID] = F(description="Departments summoned (at least one).")
    report_by: dt.datetime = F(description="When they must report by; in the future.")
    demand_id: strawberry.ID | None = F(default=None, description="The demand being escalated, if any.")


@strawberry.input(description="部门报到: a summoned department reports and commits.")
class ReportToWhistleInput:
    whistle_call_id: strawberry.ID = F(description="The call.")
    commitment: str = F(description="What the department will do.")


@strawberry.input(description="A summoned department reports its part done.")
class CompleteWhistleCallInput:
    whistle_call_id: strawberry.ID = F(description="The call.")
    outcome: str = F(description="What the department did.")


@strawberry.input(description="Resolves a whistle once every call is DONE.")
class ResolveWhistleInput:
    whistle_id: strawberry.ID = F(description="The whistle.")
    resolution: str = F(description="How it was solved.")
