"""Root fields of the volunteers plugin and its extensions of core types.

Mutations are thin: one service call each, inside core's run_mutation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q, Subquery

from core import models as m
from core.access import below, visible
from core.api.filters import SEARCH_MAX, query_text, search_term
from core.api.mutation import run_mutation
from core.api.relay import Connection, connection_from_queryset, window
from core.dates import instant
from core.enums import AREA_TYPE_NAMES, lineage_column
from core.errors import ApiError, Code
from core.ids import decode_int_gid
from core.settings import get_settings
from plugins.volunteers import models as vm
from plugins.volunteers.enums import ActivityStatus, VolunteerStatus
from plugins.volunteers.services import activities, service_logs, signups, stats, teams, volunteers
from plugins.volunteers.types import (
    ActivityCategoryStats,
    ActivitySignupPayload,
    CreateVolunteerActivityInput,
    CreateVolunteerTeamInput,
    LogServiceInput,
    RegisterVolunteerInput,
    ServiceLogPayload,
    Volunteer,
    VolunteerActivity,
    VolunteerActivityFilter,
    VolunteerActivityPayload,
    VolunteerFilter,
    VolunteerPayload,
    VolunteerRank,
    VolunteerStats,
    VolunteerTeam,
    VolunteerTeamPayload,
)

F = strawberry.field
arg = strawberry.argument
NO_ROWS = Q(id__in=[])
DEFAULT_LEADERBOARD = 10


async def _area(info: Info, gid: strawberry.ID | None) -> m.Area | None:
    pk = decode_int_gid(gid, *AREA_TYPE_NAMES)
    return await info.context.loaders.by_id(m.Area).load(pk) if pk else None


def _pk(gid: str | None, type_name: str) -> int:
    return decode_int_gid(gid, type_name) or 0


async def _node(info: Info, gid: strawberry.ID, type_name: str):
    """One visible row by global id; null for malformed, foreign, out-of-range or unknown ids."""
    if decode_int_gid(gid, type_name) is None:
        return None
    return await info.context.runtime.nodes.resolve(info, gid, type_name)


async def _stats_area(info: Info, gid: strawberry.ID) -> m.Area:
    area = await _area(info, gid)
    if area is None:
        raise ApiError("Area not found", Code.NOT_FOUND)
    return area


@strawberry.type(description="Volunteer queries.")
class VolunteersQuery:
    @F(description="One volunteer by global id; null when unknown or out of scope.")
    async def volunteer(self, info: Info, id: strawberry.ID) -> Volunteer | None:
        return await _node(info, id, "Volunteer")

    @F(description="Volunteers the viewer may see, filtered; by id.")
    async def volunteers(
        self,
        info: Info,
        filter: VolunteerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Volunteer]:
        qs = visible(info.context.viewer, vm.Volunteer)
        f = filter
        if f is not None:
            if f.area_id is not None:
                qs = qs.filter(below(await _area(info, f.area_id)))
            if f.team_id is not None:
                qs = qs.filter(
                    id__in=Subquery(
                        vm.TeamMembership.filter(team_id=_pk(f.team_id, "VolunteerTeam")).values(
                            "volunteer_id"
                        )
                    )
                )
            query_text(f.skill, "skill")
            query_text(f.search, "search")
            skill = (f.skill or "").strip()
            if len(skill) > SEARCH_MAX:
                raise ApiError(f"`skill` may be at most {SEARCH_MAX} characters", Code.INVALID_INPUT)
            if skill:
                qs = qs.filter(skills_text__contains=f"|{skill}|")
            if f.status is not None:
                qs = qs.filter(status=f.status)
            term = search_term(f.search)  # core's bound on search terms
            if term:
                qs = qs.filter(resident__name__icontains=term)
        return await connection_from_queryset(qs.order_by("id"), first, after)

    @F(description="Teams the viewer may see, optionally those below one area; by name.")
    async def volunteer_teams(
        self,
        info: Info,
        area_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> list[VolunteerTeam]:
        qs = visible(info.context.viewer, vm.VolunteerTeam)
        if area_id is not None:
            qs = qs.filter(below(await _area(info, area_id)))
        win = window(await qs.count(), first, after)
        if win.stop <= win.start:
            return []
        return await qs.order_by("name", "id").offset(win.start).limit(win.stop - win.start)

    @F(description="One activity by global id; null when unknown or out of scope.")
    async def volunteer_activity(self, info: Info, id: strawberry.ID) -> VolunteerActivity | None:
        return await _node(info, id, "VolunteerActivity")

    @F(description="Activities the viewer may see, filtered; by start time.")
    async def volunteer_activities(
        self,
        info: Info,
        filter: VolunteerActivityFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[VolunteerActivity]:
        qs = visible(info.context.viewer, vm.VolunteerActivity)
        f = filter
        if f is not None:
            if f.area_id is not None:
                qs = qs.filter(below(await _area(info, f.area_id)))
            if f.team_id is not None:
                qs = qs.filter(team_id=_pk(f.team_id, "VolunteerTeam"))
            if f.category is not None:
                qs = qs.filter(category=f.category)
            if f.status is not None:
                qs = qs.filter(status=f.status)
            if f.starts_from is not None:
                qs = qs.filter(starts_at__gte=instant(f.starts_from, "startsFrom", clamp=True))
            if f.starts_to is not None:
                qs = qs.filter(starts_at__lte=instant(f.starts_to, "startsTo", clamp=True))
        return await connection_from_queryset(qs.order_by("starts_at", "id"), first, after)

    @F(
        description="Volunteers below the area ranked by verified hours in the period (dates in UTC; signups count on their activity's start date, service logs on servedOn). Equal hours share a rank (1, 1, 3), lower id first; volunteers without hours are left out. `first` defaults to 10. NOT_FOUND error for an unknown or invisible area."
    )
    async def volunteer_leaderboard(
        self,
        info: Info,
        area_id: strawberry.ID,
        from_: Annotated[
            dt.date | None, strawberry.argument(name="from", description="First day (inclusive).")
        ] = None,
        to: Annotated[dt.date | None, strawberry.argument(description="Last day (inclusive).")] = None,
        first: int | None = None,
    ) -> list[VolunteerRank]:
        period = stats.Period.of(from_, to)
        limit = DEFAULT_LEADERBOARD if first is None else first
        if limit < 0 or limit > get_settings().max_page_size:
            raise ApiError(
                f"`first` must be between 0 and {get_settings().max_page_size}", Code.INVALID_INPUT
            )
        area = await _stats_area(info, area_id)
        col = lineage_column(area.level)
        hours = await stats.verified_hours_by(info.context.viewer, col, [area.id], period, "volunteer_id")
        rows = stats.rank(hours, limit)
        found = await info.context.loaders.by_id(vm.Volunteer).load_many([r.volunteer_id for r in rows])
        return [
            VolunteerRank(rank=r.rank, volunteer=v, hours=r.hours)
            for r, v in zip(rows, found, strict=True)
            if v
        ]

    @F(
        description="Volunteer figures for an area and period (dates in UTC), over what the viewer may see. NOT_FOUND error for an unknown or invisible area."
    )
    async def volunteer_stats(
        self,
        info: Info,
        area_id: strawberry.ID,
        from_: Annotated[
            dt.date | None, strawberry.argument(name="from", description="First day (inclusive).")
        ] = None,
        to: Annotated[dt.date | None, strawberry.argument(description="Last day (inclusive).")] = None,
    ) -> VolunteerStats:
        period = stats.Period.of(from_, to)
        area = await _stats_area(info, area_id)
        found = await stats.stats_for(info.context.viewer, lineage_column(area.level), [area.id], period)
        return _stats_type(found[area.id])


def _stats_type(row: stats.StatsRow) -> VolunteerStats:
    return VolunteerStats(
        volunteer_count=row.volunteer_count,
        active_volunteer_count=row.active_volunteer_count,
        activity_count=row.activity_count,
        verified_hours=row.verified_hours,
        attendance=row.attendance,
        by_category=[
            ActivityCategoryStats(category=c, sessions=n, attendance=people)
            for c, n, people in row.categories()
        ],
    )


def _mutate(info: Info, work, payload, field: str):
    return run_mutation(info, work, payload, field)


@strawberry.type(description="Volunteer mutations.")
class VolunteersMutation:
    @F(
        description="Registers an ACTIVE resident as a volunteer; DUPLICATE when they already are one. Coordinators register residents in scope; a resident may register themselves."
    )
    async def register_volunteer(self, info: Info, input: RegisterVolunteerInput) -> VolunteerPayload:
        return await _mutate(
            info,
            lambda: volunteers.register_volunteer(info.context, input.resident_id, input.skills),
            VolunteerPayload,
            "volunteer",
        )

    @F(description="Replaces the volunteer's skills (a resident may change their own).")
    async def update_volunteer_skills(
        self,
        info: Info,
        volunteer_id: strawberry.ID,
        skills: Annotated[list[str], arg(description="The complete new list of skills.")],
    ) -> VolunteerPayload:
        return await _mutate(
            info,
            lambda: volunteers.update_skills(info.context, volunteer_id, skills),
            VolunteerPayload,
            "volunteer",
        )

    @F(
        description="Sets the volunteer's status. LEFT also cancels their future signups; ACTIVE needs an active resident (else INVALID_TRANSITION)."
    )
    async def set_volunteer_status(
        self,
        info: Info,
        volunteer_id: strawberry.ID,
        status: Annotated[VolunteerStatus, arg(description="The new status.")],
    ) -> VolunteerPayload:
        return await _mutate(
            info,
            lambda: volunteers.set_status(info.context, volunteer_id, status),
            VolunteerPayload,
            "volunteer",
        )

    @F(
        description="Creates a team; with leaderId the leader becomes its first member (refused with INVALID_TRANSITION, creating nothing, if the leader is not ACTIVE)."
    )
    async def create_volunteer_team(
        self, info: Info, input: CreateVolunteerTeamInput
    ) -> VolunteerTeamPayload:
        return await _mutate(
            info, lambda: teams.create_team(info.context, input), VolunteerTeamPayload, "team"
        )

    @F(
        description="Adds an ACTIVE volunteer to the team (coordinators; a resident may add their own profile); DUPLICATE when already a member."
    )
    async def join_volunteer_team(
        self, info: Info, team_id: strawberry.ID, volunteer_id: strawberry.ID
    ) -> VolunteerTeamPayload:
        return await _mutate(
            info, lambda: teams.join_team(info.context, team_id, volunteer_id), VolunteerTeamPayload, "team"
        )

    @F(
        description="Makes a member the team's leader (coordinators); INVALID_TARGET unless the volunteer is a member, INVALID_TRANSITION unless ACTIVE."
    )
    async def set_volunteer_team_leader(
        self, info: Info, team_id: strawberry.ID, volunteer_id: strawberry.ID
    ) -> VolunteerTeamPayload:
        return await _mutate(
            info, lambda: teams.set_leader(info.context, team_id, volunteer_id), VolunteerTeamPayload, "team"
        )

    @F(
        description="Removes a member; when the leader leaves, the team has no leader until one is chosen (setVolunteerTeamLeader). NOT_FOUND when not a member."
    )
    async def leave_volunteer_team(
        self, info: Info, team_id: strawberry.ID, volunteer_id: strawberry.ID
    ) -> VolunteerTeamPayload:
        return await _mutate(
            info, lambda: teams.leave_team(info.context, team_id, volunteer_id), VolunteerTeamPayload, "team"
        )

    @F(description="Creates a PLANNED activity.")
    async def create_volunteer_activity(
        self, info: Info, input: CreateVolunteerActivityInput
    ) -> VolunteerActivityPayload:
        return await _mutate(
            info,
            lambda: activities.create_activity(info.context, input),
            VolunteerActivityPayload,
            "activity",
        )

    @F(description="PLANNED -> OPEN: signups are accepted.")
    async def open_volunteer_activity(
        self, info: Info, activity_id: strawberry.ID
    ) -> VolunteerActivityPayload:
        return await _mutate(
            info,
            lambda: activities.move_activity(info.context, activity_id, ActivityStatus.OPEN),
            VolunteerActivityPayload,
            "activity",
        )

    @F(description="OPEN -> CLOSED: signups stop; check-in and check-out go on.")
    async def close_volunteer_activity(
        self, info: Info, activity_id: strawberry.ID
    ) -> VolunteerActivityPayload:
        return await _mutate(
            info,
            lambda: activities.move_activity(info.context, activity_id, ActivityStatus.CLOSED),
            VolunteerActivityPayload,
            "activity",
        )

    @F(description="CLOSED -> COMPLETED.")
    async def complete_volunteer_activity(
        self, info: Info, activity_id: strawberry.ID
    ) -> VolunteerActivityPayload:
        return await _mutate(
            info,
            lambda: activities.move_activity(info.context, activity_id, ActivityStatus.COMPLETED),
            VolunteerActivityPayload,
            "activity",
        )

    @F(
        description="Records how many people an activity reached (a lecture's attendees, a festival's visitors; not its volunteers), once it has started; recording again replaces the number. INVALID_TRANSITION for a cancelled or future activity."
    )
    async def record_activity_audience(
        self,
        info: Info,
        activity_id: strawberry.ID,
        audience_count: Annotated[
            int,
            strawberry.argument(
                description="People reached (0 to 1,000,000): attendees, visitors; not the activity's volunteers."
            ),
        ],
    ) -> VolunteerActivityPayload:
        return await _mutate(
            info,
            lambda: activities.record_audience(info.context, activity_id, audience_count),
            VolunteerActivityPayload,
            "activity",
        )

    @F(
        description="PLANNED, OPEN or CLOSED -> CANCELLED: places still held (SIGNED_UP, CHECKED_IN) are cancelled and those volunteers with accounts notified (kind volunteers.activity_cancelled)."
    )
    async def cancel_volunteer_activity(
        self,
        info: Info,
        activity_id: strawberry.ID,
        reason: Annotated[str, arg(description="Why; kept with the record and shown to those concerned.")],
    ) -> VolunteerActivityPayload:
        return await _mutate(
            info,
            lambda: activities.move_activity(info.context, activity_id, ActivityStatus.CANCELLED, reason),
            VolunteerActivityPayload,
            "activity",
        )

    @F(
        description="Refused with CAPACITY_REACHED when full, DUPLICATE when already signed up, INVALID_TRANSITION unless the activity is OPEN."
    )
    async def sign_up_for_activity(
        self, info: Info, activity_id: strawberry.ID, volunteer_id: strawberry.ID
    ) -> ActivitySignupPayload:
        return await _mutate(
            info,
            lambda: signups.sign_up(info.context, activity_id, volunteer_id),
            ActivitySignupPayload,
            "signup",
        )

    @F(
        description="SIGNED_UP -> CANCELLED while the activity is OPEN or CLOSED; frees the place. Signing up again later revives the signup."
    )
    async def cancel_signup(self, info: Info, signup_id: strawberry.ID) -> ActivitySignupPayload:
        return await _mutate(
            info, lambda: signups.cancel_signup(info.context, signup_id), ActivitySignupPayload, "signup"
        )

    @F(description="SIGNED_UP -> CHECKED_IN at server time, while the activity is OPEN or CLOSED.")
    async def check_in(self, info: Info, signup_id: strawberry.ID) -> ActivitySignupPayload:
        return await _mutate(
            info, lambda: signups.check_in(info.context, signup_id), ActivitySignupPayload, "signup"
        )

    @F(description="CHECKED_IN -> CHECKED_OUT at server time; computes the hours.")
    async def check_out(self, info: Info, signup_id: strawberry.ID) -> ActivitySignupPayload:
        return await _mutate(
            info, lambda: signups.check_out(info.context, signup_id), ActivitySignupPayload, "signup"
        )

    @F(
        description="SIGNED_UP -> NO_SHOW (coordinators), once the activity is CLOSED or COMPLETED or has started."
    )
    async def mark_no_show(self, info: Info, signup_id: strawberry.ID) -> ActivitySignupPayload:
        return await _mutate(
            info, lambda: signups.mark_no_show(info.context, signup_id), ActivitySignupPayload, "signup"
        )

    @F(
        description="Confirms (and may correct) the hours of a checked-out signup. A corrected value lies between 0 and the activity's length (else OUT_OF_RANGE); nobody verifies their own hours (FORBIDDEN)."
    )
    async def verify_signup_hours(
        self,
        info: Info,
        signup_id: strawberry.ID,
        hours: Annotated[
            float | None, arg(description="Hours to credit; omit to confirm the hours measured.")
        ] = None,
    ) -> ActivitySignupPayload:
        return await _mutate(
            info,
            lambda: signups.verify_hours(info.context, signup_id, hours),
            ActivitySignupPayload,
            "signup",
        )

    @F(description="Logs service given outside a planned activity (coordinators).")
    async def log_service(self, info: Info, input: LogServiceInput) -> ServiceLogPayload:
        return await _mutate(
            info, lambda: service_logs.log_service(info.context, input), ServiceLogPayload, "service_log"
        )

    @F(description="Confirms a service log's hours; INVALID_TRANSITION when already verified.")
    async def verify_service_log(self, info: Info, service_log_id: strawberry.ID) -> ServiceLogPayload:
        return await _mutate(
            info,
            lambda: service_logs.verify_service_log(info.context, service_log_id),
            ServiceLogPayload,
            "service_log",
        )


@strawberry.type(name="VolunteersResidentFields", description="Volunteer fields of Resident.")
class VolunteersResidentFields:
    @F(description="The resident's volunteer profile, if registered as one (and visible to the viewer).")
    async def volunteer(self, info: Info) -> Volunteer | None:
        rows = await info.context.loaders.children(vm.Volunteer, "resident_id", tag="volunteers").load(
            self.id
        )
        return rows[0] if rows else None


@strawberry.type(name="VolunteersCommunityFields", description="Volunteer fields of Community.")
class VolunteersCommunityFields:
    @F(
        description="Volunteer figures of the community for the period (dates in UTC), over what the viewer may see."
    )
    async def volunteer_stats(
        self,
        info: Info,
        from_: Annotated[
            dt.date | None, strawberry.argument(name="from", description="First day (inclusive).")
        ] = None,
        to: Annotated[dt.date | None, strawberry.argument(description="Last day (inclusive).")] = None,
    ) -> VolunteerStats:
        period = stats.Period.of(from_, to)
        viewer = info.context.viewer

        async def batch(ids: list[int]):
            found = await stats.stats_for(viewer, "community_ref", list(set(ids)), period)
            return [_stats_type(found[i]) for i in ids]

        return await info.context.loaders.custom(("volunteers.stats", period), batch).load(self.id)
