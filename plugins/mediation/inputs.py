"""The plugin's GraphQL input types."""

from __future__ import annotations

import datetime as dt

import strawberry

from core.enums import AreaLevel
from plugins.mediation.enums import (
    DisputeCategory,
    DisputePartyRole,
    DisputeStatus,
    MediationMethod,
    MediationTeamRole,
)

F = strawberry.field


@strawberry.input(description="Which cases to return; every given condition must hold.")
class DisputeCaseFilter:
    area_id: strawberry.ID | None = F(default=None, description="Any area; matches cases located at or below it.")
    status: DisputeStatus | None = F(default=None, description="Only cases with this status.")
    category: DisputeCategory | None = F(default=None, description="Only cases of this category.")
    handling_level: AreaLevel | None = F(default=None, description="Only cases now handled at this level.")
    reported_from: dt.datetime | None = F(default=None, description="Reported at or after this time.")
    reported_to: dt.datetime | None = F(default=None, description="Reported before this time.")
    assigned_to_user_id: strawberry.ID | None = F(default=None, description="Cases where this user is on the team or is the case owner.")
    search: str | None = F(default=None, description="Matches the case number (e.g. MD-2026-000123, or its tail 000123) or a substring of the title.")


@strawberry.input(description="A party to a dispute: a registered resident, or someone named.")
class DisputePartyInput:
    resident_id: strawberry.ID | None = F(default=None, description="The resident, when registered (their name is taken from the record).")
    name: str | None = F(default=None, description="The party's name; required when residentId is not given.")
    role: DisputePartyRole = F(description="The party's side.")


@strawberry.input(description="A dispute to report.")
class ReportDisputeInput:
    area_id: strawberry.ID = F(description="The community, compound or building where the dispute arose.")
    title: str = F(description="One-line summary (at most 200 characters).")
    description: str = F(description="What happened.")
    category: DisputeCategory = F(description="What the dispute is about.")
    parties: list[DisputePartyInput] = F(description="Who the dispute is between (1 to 20).")
    client_mutation_id: str | None = F(default=None, description="Idempotency key: repeating a report with the same key returns the first case and creates nothing new.")


@strawberry.input(description="A team member and their part.")
class TeamMemberInput:
    user_id: strawberry.ID = F(description="An active user holding mediation.case.read over the case's area.")
    role: MediationTeamRole = F(description="Their part in the 4+A team.")


@strawberry.input(description="The 4+A team for a case; replaces any team it had.")
class AssignMediationTeamInput:
    case_id: strawberry.ID = F(description="The case (ACCEPTED, or IN_MEDIATION to change the team).")
    members: list[TeamMemberInput] = F(description="1 to 12 members; each must be covered by the case's area (else INVALID_TEAM_MEMBER).")
    case_owner_id: strawberry.ID | None = F(default=None, description="The person answerable for the case; a team member or another user covered by the area. Omitted: unchanged.")
    method: MediationMethod | None = F(default=None, description="How the case will be worked. Omitted: unchanged.")


@strawberry.input(description="A mediation session that was held.")
class RecordMediationSessionInput:
    case_id: strawberry.ID = F(description="The case (IN_MEDIATION).")
    held_at: dt.datetime = F(description="When it was held (not in the future).")
    location: str | None = F(default=None, description="Where it was held.")
    notes: str = F(description="What was discussed and agreed.")


@strawberry.input(description="Settling a case by agreement.")
class ResolveDisputeInput:
    case_id: strawberry.ID = F(description="The case (IN_MEDIATION).")
    terms: str = F(description="The terms agreed.")
    signed_on: dt.date = F(description="The day it was signed (between the report date and today).")
    follow_up_dates: list[dt.date] | None = F(default=None, description="Schedules follow-ups (跟踪回访) on these dates (on or after signedOn, at most 12); the case can be closed once every one is done.")


@strawberry.input(description="Recording a follow-up visit.")
class CompleteFollowUpInput:
    follow_up_id: strawberry.ID = F(description="The follow-up (of a RESOLVED case).")
    note: str | None = F(default=None, description="What the visit found.")
    agreement_kept: bool = F(description="Whether the parties kept to the agreement.")
