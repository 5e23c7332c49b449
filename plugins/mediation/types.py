"""The plugin's GraphQL types: objects (resolvers receive the plugin's model instances as ``self``), then inputs."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core import models as m
from core.api.relay import Node
from core.api.types import Area, ResidentT, UserError, UserT
from core.enums import AreaLevel
from core.ids import encode_gid
from plugins.mediation import loaders, models
from plugins.mediation.access import MANAGE, TEAM_ACTIONS, is_staff_reader
from plugins.mediation.enums import (
    DisputeCaseAction,
    DisputeCategory,
    DisputePartyRole,
    DisputeStatus,
    MediationMethod,
    MediationTeamRole,
)
from plugins.mediation.services.lifecycle import allowed_actions
from plugins.mediation.services.stats import Tally

F = strawberry.field


@strawberry.type(name="DisputeParty", description="Someone the dispute is between.")
class DisputePartyType:
    name: str = F(
        description="Always set: the resident's name (as when the case was reported) or the outside party's."
    )
    role: DisputePartyRole = F(description="The party's side in the dispute.")

    @F(
        description="Set when the party is a registered resident (null too when the viewer may not read that resident's record)."
    )
    async def resident(self, info: Info) -> ResidentT | None:
        if not self.resident_id:
            return None
        return await info.context.loaders.by_id(m.Resident).load(self.resident_id)


@strawberry.type(name="MediationTeamMember", description="A member of the case's 4+A team.")
class MediationTeamMemberType:
    role: MediationTeamRole = F(description="The member's part in the 4+A team.")

    @F(description="The member's account.")
    async def user(self, info: Info) -> UserT:
        return await loaders.users(info).load(self.user_id)


@strawberry.type(name="MediationSession", description="A mediation meeting held with the parties.")
class MediationSessionType:
    held_at: dt.datetime = F(description="When the session was held.")
    location: str | None = F(
        description="Where it was held, e.g. the compound's mediation room or the parties' home."
    )
    notes: str = F(description="What was discussed and agreed.")

    @F(description="Opaque id of the session.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_gid("MediationSession", self.id))

    @F(description="Who recorded the session.")
    async def recorded_by(self, info: Info) -> UserT:
        return await loaders.users(info).load(self.recorded_by_id)


@strawberry.type(name="MediationAgreement", description="The settlement the parties signed (调解协议).")
class MediationAgreementType:
    terms: str = F(description="The terms agreed.")
    signed_on: dt.date = F(description="The day it was signed.")


@strawberry.type(
    name="FollowUp", description="A follow-up visit (跟踪回访) scheduled when the case was resolved."
)
class FollowUpType:
    due_on: dt.date = F(description="When the visit is due.")
    done_at: dt.datetime | None = F(description="When it was done; null while pending.")
    note: str | None = F(description="What the visit found.")
    agreement_kept: bool | None = F(
        description="Whether the parties kept to the agreement, once the follow-up is done."
    )

    @F(description="Opaque id of the follow-up; pass it to completeFollowUp.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_gid("FollowUp", self.id))

    @F(description="Who made the visit; null while pending.")
    async def done_by(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.done_by_id) if self.done_by_id else None


@strawberry.type(name="DisputeCaseEvent", description="One move of a case, in the order they happened.")
class DisputeCaseEventType:
    at: dt.datetime = F(description="When it happened.")
    kind: str = F(
        description="e.g. REPORTED, ACCEPTED, TEAM_ASSIGNED, SESSION_RECORDED, ESCALATED, RESOLVED, FAILED, FOLLOW_UP_DONE, CLOSED."
    )
    from_status: DisputeStatus | None = F(
        description="Status before a lifecycle move (null on REPORTED, and on SESSION_RECORDED and FOLLOW_UP_DONE, which do not move the case)."
    )
    to_status: DisputeStatus | None = F(
        description="Status after a lifecycle move, also when it is the same (ESCALATED from ACCEPTED goes back to ACCEPTED; TEAM_ASSIGNED on a case in mediation stays IN_MEDIATION); null on SESSION_RECORDED and FOLLOW_UP_DONE."
    )
    from_level: AreaLevel | None = F(description="Handling level before an escalation; null for other moves.")
    to_level: AreaLevel | None = F(
        description="Handling level after an escalation (or the first level, on REPORTED); null for other moves."
    )
    note: str | None = F(
        description="The reason given (escalation, failure), the follow-up's finding, or a summary."
    )

    @F(
        description="Who made the move. Shown to staff who read the case through their roles; parties see only their own moves, so that nobody learns from here who reported them."
    )
    async def actor(self, info: Info) -> UserT | None:
        if not self.actor_id:
            return None
        if not getattr(self, "show_actor", False) and self.actor_id != info.context.viewer.user_id:
            return None
        return await loaders.users(info).load(self.actor_id)


@strawberry.type(name="DisputeCase", description="A neighbourhood dispute and how it is mediated.")
class DisputeCaseType(Node):
    case_number: str = F(
        description="Human-readable number unique in the deployment, e.g. MD-2026-000123: gap-free per calendar year (China Standard Time)."
    )
    title: str = F(description="One-line summary.")
    description: str = F(description="What happened, as reported.")
    category: DisputeCategory = F(description="What the dispute is about.")
    status: DisputeStatus = F(description="Where the case is in its lifecycle.")
    handling_level: AreaLevel = F(
        description="Level now handling the case: COMPOUND first (COMMUNITY when reported at a community), then COMMUNITY, then SUBDISTRICT (小事不出楼院, 大事不出社区)."
    )
    method: MediationMethod | None = F(description="How the case is worked, once a team is assigned.")
    reported_at: dt.datetime = F(description="When the dispute was reported.")
    resolved_at: dt.datetime | None = F(description="When an agreement settled it.")
    failed_at: dt.datetime | None = F(description="When mediation was given up as failed.")
    closed_at: dt.datetime | None = F(description="When the case was closed.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, models.DisputeCase)

    @F(description="Where the dispute arose (compound, building or community).")
    async def area(self, info: Info) -> Area:
        return await loaders.areas(info).load(self.area_id)

    @F(description="Who the dispute is between, in the order reported.")
    async def parties(self, info: Info) -> list[DisputePartyType]:
        return await loaders.parties(info).load(self.id)

    @F(description="The 4+A team working the case.")
    async def team(self, info: Info) -> list[MediationTeamMemberType]:
        return await loaders.team(info).load(self.id)

    @F(description="The person answerable for the case (包案责任人).")
    async def case_owner(self, info: Info) -> UserT | None:
        return await loaders.users(info).load(self.case_owner_id) if self.case_owner_id else None

    @F(
        description="Who reported the dispute; shown to staff who read the case through their roles, and to the reporter."
    )
    async def reported_by(self, info: Info) -> UserT | None:
        viewer = info.context.viewer
        if not self.reported_by_id or not (
            self.reported_by_id == viewer.user_id or is_staff_reader(viewer, self)
        ):
            return None
        return await loaders.users(info).load(self.reported_by_id)

    @F(description="Mediation sessions held, oldest first.")
    async def sessions(self, info: Info) -> list[MediationSessionType]:
        return await loaders.sessions(info).load(self.id)

    @F(description="The signed agreement, once the case is resolved.")
    def agreement(self) -> MediationAgreementType | None:
        if self.agreement_terms is None or self.agreement_signed_on is None:
            return None
        return MediationAgreementType(terms=self.agreement_terms, signed_on=self.agreement_signed_on)

    @F(description="Follow-up visits, by due date.")
    async def follow_ups(self, info: Info) -> list[FollowUpType]:
        return await loaders.follow_ups(info).load(self.id)

    @F(
        description="What the viewer may do with the case now: the moves its status, handling level and follow-ups allow, that the viewer's permissions (mediation.case.manage, or a place on the team for sessions and follow-ups) let them make. Empty for those who may only read."
    )
    async def available_actions(self, info: Info) -> list[DisputeCaseAction]:
        viewer = info.context.viewer
        follow_ups = await loaders.follow_ups(info).load(self.id)
        actions = allowed_actions(self, sum(1 for f in follow_ups if f.done_at is None))
        if viewer.can(MANAGE, self):
            return actions
        team = await loaders.team(info).load(self.id)
        if viewer.user_id and viewer.user_id in {self.case_owner_id, *(t.user_id for t in team)}:
            return [a for a in actions if a in TEAM_ACTIONS]
        return []

    @F(description="Every move of the case with its actor and time, oldest first.")
    async def events(self, info: Info) -> list[DisputeCaseEventType]:
        rows = await loaders.events(info).load(self.id)
        show = is_staff_reader(info.context.viewer, self)
        for row in rows:
            row.show_actor = show
        return rows


@strawberry.type(description="Cases of one category.")
class CountByCategory:
    category: DisputeCategory = F(description="The category.")
    count: int = F(description="Number of cases.")


@strawberry.type(description="Cases at one handling level.")
class CountByLevel:
    level: AreaLevel = F(description="The handling level.")
    count: int = F(description="Number of cases.")


@strawberry.type(
    description="Dispute figures for an area and period: cases reported in [from, to) at or below the area that the viewer may read."
)
class MediationStats:
    total: int = F(description="Cases reported in the period (= open + resolved + failed).")
    open: int = F(description="Of those, not yet resolved or failed.")
    resolved: int = F(description="Of those, settled by an agreement (including those closed since).")
    failed: int = F(description="Of those, where mediation failed (including those closed since).")
    resolution_rate: float | None = F(description="resolved / (resolved + failed); null when neither.")
    resolved_at_compound_rate: float | None = F(
        description="Share of resolved cases settled without leaving the compound level (handling level COMPOUND when resolved); null when none resolved."
    )
    average_days_to_resolve: float | None = F(
        description="Mean days from report to resolution of the resolved cases; null when none resolved."
    )
    by_category: list[CountByCategory] = F(
        description="Cases per category; categories without cases are left out; in enum order."
    )
    by_handling_level: list[CountByLevel] = F(
        description="Cases per current handling level, up the ladder (COMPOUND, COMMUNITY, SUBDISTRICT); levels without cases are left out."
    )
    # (lineage column, area id, from, to): what resolvedInPeriod counts over.
    scope: strawberry.Private[tuple | None] = None

    @strawberry.field(
        description="Cases settled by an agreement in the period, counted by resolution date whatever their report date (the yearly 'disputes resolved' figure); without a period, every resolved case."
    )
    async def resolved_in_period(self, info: Info) -> int:
        from plugins.mediation.services import stats

        column, area_id, frm, to = self.scope

        async def batch(ids: list[int]) -> list[int]:
            found = await stats.resolved_in_period(info.context.viewer, column, ids, frm, to)
            return [found[i] for i in ids]

        loader = info.context.loaders.custom(("mediation.resolved_in_period", column, frm, to), batch)
        return await loader.load(area_id)

    @classmethod
    def of(cls, t: Tally, scope: tuple | None = None) -> MediationStats:
        return cls(
            total=t.total,
            open=t.open,
            resolved=t.resolved,
            failed=t.failed,
            resolution_rate=t.resolution_rate,
            resolved_at_compound_rate=t.resolved_at_compound_rate,
            average_days_to_resolve=t.average_days_to_resolve,
            scope=scope,
            by_category=[CountByCategory(category=c, count=n) for c, n in t.categories()],
            by_handling_level=[CountByLevel(level=lv, count=n) for lv, n in t.levels()],
        )


@strawberry.type(description="Result of a dispute case mutation.")
class DisputeCasePayload:
    dispute_case: DisputeCaseType | None = F(
        description="The case as it is now; null when the mutation failed."
    )
    user_errors: list[UserError] = F(
        description="Why the mutation failed (e.g. INVALID_TRANSITION, INVALID_TEAM_MEMBER, FORBIDDEN, NOT_FOUND, INVALID_INPUT); empty on success."
    )


# ---------------------------------------------------------------- inputs


@strawberry.input(description="Which cases to return; every given condition must hold.")
class DisputeCaseFilter:
    area_id: strawberry.ID | None = F(
        default=None, description="Any area; matches cases located at or below it."
    )
    status: DisputeStatus | None = F(default=None, description="Only cases with this status.")
    category: DisputeCategory | None = F(default=None, description="Only cases of this category.")
    handling_level: AreaLevel | None = F(default=None, description="Only cases now handled at this level.")
    reported_from: dt.datetime | None = F(default=None, description="Reported at or after this time.")
    reported_to: dt.datetime | None = F(default=None, description="Reported before this time.")
    assigned_to_user_id: strawberry.ID | None = F(
        default=None, description="Cases where this user is on the team or is the case owner."
    )
    search: str | None = F(
        default=None,
        description="Matches the case number (e.g. MD-2026-000123, or its tail 000123) or a substring of the title.",
    )


@strawberry.input(description="A party to a dispute: a registered resident, or someone named.")
class DisputePartyInput:
    resident_id: strawberry.ID | None = F(
        default=None, description="The resident, when registered (their name is taken from the record)."
    )
    name: str | None = F(default=None, description="The party's name; required when residentId is not given.")
    role: DisputePartyRole = F(description="The party's side.")


@strawberry.input(description="A dispute to report.")
class ReportDisputeInput:
    area_id: strawberry.ID = F(description="The community, compound or building where the dispute arose.")
    title: str = F(description="One-line summary (at most 200 characters).")
    description: str = F(description="What happened.")
    category: DisputeCategory = F(description="What the dispute is about.")
    parties: list[DisputePartyInput] = F(description="Who the dispute is between (1 to 20).")
    client_mutation_id: str | None = F(
        default=None,
        description="Idempotency key: repeating a report with the same key returns the first case and creates nothing new.",
    )


@strawberry.input(description="A team member and their part.")
class TeamMemberInput:
    user_id: strawberry.ID = F(description="An active user holding mediation.case.read over the case's area.")
    role: MediationTeamRole = F(description="Their part in the 4+A team.")


@strawberry.input(description="The 4+A team for a case; replaces any team it had.")
class AssignMediationTeamInput:
    case_id: strawberry.ID = F(description="The case (ACCEPTED, or IN_MEDIATION to change the team).")
    members: list[TeamMemberInput] = F(
        description="1 to 12 members; each must be covered by the case's area (else INVALID_TEAM_MEMBER)."
    )
    case_owner_id: strawberry.ID | None = F(
        default=None,
        description="The person answerable for the case; a team member or another user covered by the area. Omitted: unchanged.",
    )
    method: MediationMethod | None = F(
        default=None, description="How the case will be worked. Omitted: unchanged."
    )


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
    follow_up_dates: list[dt.date] | None = F(
        default=None,
        description="Schedules follow-ups (跟踪回访) on these dates (on or after signedOn, at most 12); the case can be closed once every one is done.",
    )


@strawberry.input(description="Recording a follow-up visit.")
class CompleteFollowUpInput:
    follow_up_id: strawberry.ID = F(description="The follow-up (of a RESOLVED case).")
    note: str | None = F(default=None, description="What the visit found.")
    agreement_kept: bool = F(description="Whether the parties kept to the agreement.")
