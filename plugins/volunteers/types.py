"""GraphQL types of the volunteers plugin: objects (resolvers get model instances as ``self``), then inputs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info
from tortoise.expressions import Q

from core import models as m
from core.api.relay import Connection, Node, connection_from_list
from core.api.types import Area, ResidentT, UserError, UserT
from plugins.volunteers import models as vm
from plugins.volunteers.enums import ActivityCategory, ActivityStatus, SignupStatus, VolunteerStatus
from plugins.volunteers.services.stats import hours_of

F = strawberry.field


def _loaders(info: Info):
    return info.context.loaders


async def _hours(info: Info, volunteer_id: int) -> tuple[float, float]:
    async def batch(ids: list[int]):
        found = await hours_of(ids)
        return [found[i] for i in ids]

    return await _loaders(info).custom(("volunteers.hours",), batch).load(volunteer_id)


async def _context_area(info: Info, area_id: int):
    """The area a visible team or activity belongs to, shown as context even
    where the viewer's area scope does not reach (e.g. a resident looking at an
    activity in a neighbouring compound of their community), like core shows
    the area of a role grant. Area names are not personal data; everything
    reached from the area is scoped again."""
    return await _loaders(info).context_by_id(m.Area).load(area_id)


def _signups_of(info: Info, fk: str, key: int, status: SignupStatus | None = None):
    where = Q(status=status) if status is not None else None
    return (
        _loaders(info)
        .children(
            vm.ActivitySignup, fk, where=where, order=("signed_up_at", "id"), tag=("volunteers", status)
        )
        .load(key)
    )


@strawberry.type(description="A resident registered as a volunteer (志愿者).")
class Volunteer(Node):
    status: VolunteerStatus = F(description="Whether the volunteer currently serves.")
    joined_on: dt.date = F(description="When the volunteer registered.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, vm.Volunteer)

    @F(description="The resident who volunteers.")
    async def resident(self, info: Info) -> ResidentT:
        return await _loaders(info).by_id(m.Resident).load(self.resident_id)

    @F(description="Specialities (特长), e.g. calligraphy, first aid, law.")
    def skills(self) -> list[str]:
        return self.skills

    @F(description="Teams the volunteer belongs to (that the viewer may see), by name.")
    async def teams(self, info: Info) -> list[VolunteerTeam]:
        links = (
            await _loaders(info).children(vm.TeamMembership, "volunteer_id", tag="volunteers").load(self.id)
        )
        teams = await _loaders(info).by_id(vm.VolunteerTeam).load_many([link.team_id for link in links])
        return sorted((t for t in teams if t is not None), key=lambda t: (t.name, t.id))

    @F(description="Hours from verified signups and verified service logs.")
    async def verified_hours(self, info: Info) -> float:
        return (await _hours(info, self.id))[0]

    @F(description="Verified plus not yet verified hours.")
    async def total_hours(self, info: Info) -> float:
        return (await _hours(info, self.id))[1]

    @F(description="The volunteer's signups (that the viewer may see), oldest first.")
    async def signups(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ActivitySignup]:
        return connection_from_list(await _signups_of(info, "volunteer_id", self.id), first, after)

    @F(description="Service logged outside planned activities (that the viewer may see), newest first.")
    async def service_logs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ServiceLog]:
        rows = (
            await _loaders(info)
            .children(vm.ServiceLog, "volunteer_id", order=("-served_on", "-id"), tag="volunteers")
            .load(self.id)
        )
        return connection_from_list(rows, first, after)


@strawberry.type(
    description="A volunteer service team, e.g. a 学雷锋 team or a safety-patrol (平安志愿者) team."
)
class VolunteerTeam(Node):
    name: str = F(description="The team's name, unique within its area.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, vm.VolunteerTeam)

    @F(description="The area the team belongs to.")
    async def area(self, info: Info) -> Area:
        return await _context_area(info, self.area_id)

    @F(description="The team leader, always a member; null when none is chosen (e.g. after the leader left).")
    async def leader(self, info: Info) -> Volunteer | None:
        return await _loaders(info).by_id(vm.Volunteer).load(self.leader_id) if self.leader_id else None

    @F(description="Members of the team (that the viewer may see), in the order they joined.")
    async def members(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Volunteer]:
        links = (
            await _loaders(info)
            .children(vm.TeamMembership, "team_id", order=("joined_at", "id"), tag="volunteers")
            .load(self.id)
        )
        rows = await _loaders(info).by_id(vm.Volunteer).load_many([link.volunteer_id for link in links])
        return connection_from_list([r for r in rows if r is not None], first, after)

    @F(description="Number of members (that the viewer may see).")
    async def member_count(self, info: Info) -> int:
        return await _loaders(info).counts(vm.TeamMembership, "team_id", tag="volunteers").load(self.id)


@strawberry.type(
    description="A volunteer activity: a festival event, lecture, patrol, elderly-care visit and so on."
)
class VolunteerActivity(Node):
    title: str = F(description="Short title.")
    description: str | None = F(description="What the activity is about.")
    category: ActivityCategory = F(description="What kind of service it is.")
    location: str | None = F(description="Where it takes place.")
    starts_at: dt.datetime = F(description="When it starts.")
    ends_at: dt.datetime = F(description="When it ends; credited hours never exceed endsAt - startsAt.")
    capacity: int | None = F(
        description="Maximum signups; null for no limit. Never exceeded, even under concurrent signups."
    )
    signup_count: int = F(description="Signups holding a place (every status but CANCELLED).")
    audience_count: int | None = F(
        description="People the activity reached (attendees, visitors; not its volunteers), as its organiser recorded; null until recorded."
    )
    status: ActivityStatus = F(description="Where the activity is in its lifecycle.")
    cancel_reason: str | None = F(description="Why the activity was cancelled; null unless CANCELLED.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, vm.VolunteerActivity)

    @F(description="The area the activity is held in.")
    async def area(self, info: Info) -> Area:
        return await _context_area(info, self.area_id)

    @F(description="The team running the activity, if any (and visible to the viewer).")
    async def team(self, info: Info) -> VolunteerTeam | None:
        return await _loaders(info).by_id(vm.VolunteerTeam).load(self.team_id) if self.team_id else None

    @F(description="Signups (that the viewer may see), optionally of one status, in signup order.")
    async def signups(
        self,
        info: Info,
        status: Annotated[
            SignupStatus | None, strawberry.argument(description="Only items with this status.")
        ] = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ActivitySignup]:
        return connection_from_list(await _signups_of(info, "activity_id", self.id, status), first, after)


@strawberry.type(description="A volunteer's place in an activity, with attendance and hours.")
class ActivitySignup(Node):
    status: SignupStatus = F(description="Where the signup stands.")
    signed_up_at: dt.datetime = F(description="When the volunteer (last) signed up.")
    checked_in_at: dt.datetime | None = F(description="Server time of check-in.")
    checked_out_at: dt.datetime | None = F(description="Server time of check-out.")
    hours: float | None = F(
        description="Hours credited: checkout minus checkin (capped at the activity's length, rounded to the nearest quarter hour, halves up), unless a coordinator adjusted it."
    )
    verified: bool = F(description="Whether a coordinator confirmed the hours.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, vm.ActivitySignup)

    @F(description="The activity.")
    async def activity(self, info: Info) -> VolunteerActivity:
        return await _loaders(info).by_id(vm.VolunteerActivity).load(self.activity_id)

    @F(description="The volunteer.")
    async def volunteer(self, info: Info) -> Volunteer:
        return await _loaders(info).by_id(vm.Volunteer).load(self.volunteer_id)

    @F(
        description="Who verified the hours (null when unverified or the account is not visible to the viewer)."
    )
    async def verified_by(self, info: Info) -> UserT | None:
        return await _loaders(info).by_id(m.User).load(self.verified_by_id) if self.verified_by_id else None


@strawberry.type(description="Hours served outside a planned activity, logged by a coordinator.")
class ServiceLog(Node):
    served_on: dt.date = F(description="The day the service was given.")
    hours: float = F(description="Hours served, more than 0 and at most 24.")
    description: str = F(description="What was done.")
    verified: bool = F(description="Whether a coordinator confirmed the hours.")

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, vm.ServiceLog)

    @F(description="The volunteer who served.")
    async def volunteer(self, info: Info) -> Volunteer:
        return await _loaders(info).by_id(vm.Volunteer).load(self.volunteer_id)


@strawberry.type(description="A volunteer's place on a leaderboard.")
class VolunteerRank:
    rank: int = F(description="Standard competition rank (1, 1, 3): equal hours share a rank.")
    volunteer: Volunteer = F(description="The volunteer.")
    hours: float = F(description="Verified hours in the period.")


@strawberry.type(description="Sessions and attendance of one activity category in an area and period.")
class ActivityCategoryStats:
    category: ActivityCategory = F(description="The category.")
    sessions: int = F(
        description="Activities of the category held below the area starting in the period, cancelled ones excluded."
    )
    attendance: int = F(description="People those activities reached (recorded audiences added up).")


@strawberry.type(description="Volunteer figures for an area and period (only what the viewer may see).")
class VolunteerStats:
    volunteer_count: int = F(
        description="Volunteers living below the area, any status (as registered now; the period applies to activities and hours)."
    )
    active_volunteer_count: int = F(description="Of those, volunteers whose status is ACTIVE now.")
    activity_count: int = F(
        description="Activities held below the area starting in the period, cancelled ones excluded."
    )
    verified_hours: float = F(
        description="Verified hours in the period of the volunteers living below the area (signups by their activity's start date, service logs by servedOn)."
    )
    attendance: int = F(
        description="People the activities counted in activityCount reached (their recorded audiences added up; activities without a recorded audience add 0)."
    )
    by_category: list[ActivityCategoryStats] = F(
        description="Activities (sessions) and attendance per category, in enum order; categories without activities are left out. EDUCATION and LEGAL_EDUCATION give the lecture figures (道德讲堂, 社区学院, 普法)."
    )


def _payload(name: str, field: str, typ, what: str):
    ns = {"__annotations__": {field: typ | None, "user_errors": list[UserError]}}
    ns[field] = F(description=f"The {what} as it is now; null when the mutation failed.")
    ns["user_errors"] = F(description="Why the mutation failed; empty on success.")
    return strawberry.type(type(name, (), ns), name=name, description=f"Result of a {what} mutation.")


VolunteerPayload = _payload("VolunteerPayload", "volunteer", Volunteer, "volunteer")
VolunteerTeamPayload = _payload("VolunteerTeamPayload", "team", VolunteerTeam, "team")
VolunteerActivityPayload = _payload("VolunteerActivityPayload", "activity", VolunteerActivity, "activity")
ActivitySignupPayload = _payload("ActivitySignupPayload", "signup", ActivitySignup, "signup")
ServiceLogPayload = _payload("ServiceLogPayload", "service_log", ServiceLog, "service log")


# ---------------------------------------------------------------- inputs


@strawberry.input(description="Which volunteers to return; every given condition must hold.")
class VolunteerFilter:
    area_id: strawberry.ID | None = F(default=None, description="Volunteers living anywhere below this area.")
    team_id: strawberry.ID | None = F(default=None, description="Members of this team.")
    skill: str | None = F(default=None, description="Volunteers having exactly this skill.")
    status: VolunteerStatus | None = F(default=None, description="Only volunteers with this status.")
    search: str | None = F(default=None, description="Substring of the resident's name.")


@strawberry.input(description="Which activities to return; every given condition must hold.")
class VolunteerActivityFilter:
    area_id: strawberry.ID | None = F(default=None, description="Activities held anywhere below this area.")
    team_id: strawberry.ID | None = F(default=None, description="Activities run by this team.")
    category: ActivityCategory | None = F(default=None, description="Only this category.")
    status: ActivityStatus | None = F(default=None, description="Only this status.")
    starts_from: dt.datetime | None = F(default=None, description="Starting at or after this time.")
    starts_to: dt.datetime | None = F(default=None, description="Starting at or before this time.")


@strawberry.input(description="A resident to register as a volunteer.")
class RegisterVolunteerInput:
    resident_id: strawberry.ID = F(
        description="The resident; must be ACTIVE and not yet a volunteer. A resident may register themselves."
    )
    skills: list[str] | None = F(default=None, description="Specialities (特长), each at most 50 characters.")


@strawberry.input(description="A new volunteer team.")
class CreateVolunteerTeamInput:
    name: str = F(description="Name, unique within the area.")
    area_id: strawberry.ID = F(description="The area the team belongs to.")
    leader_id: strawberry.ID | None = F(
        default=None,
        description="Leader; becomes the first member. Must be ACTIVE (else INVALID_TRANSITION).",
    )


@strawberry.input(description="A new activity; it starts PLANNED.")
class CreateVolunteerActivityInput:
    title: str = F(description="Short title.")
    description: str | None = F(default=None, description="What the activity is about.")
    category: ActivityCategory = F(description="What kind of service it is.")
    area_id: strawberry.ID = F(description="The area it is held in.")
    team_id: strawberry.ID | None = F(
        default=None,
        description="The team running it; its area must contain the activity's area or lie below it (else INVALID_TARGET).",
    )
    location: str | None = F(default=None, description="Where it takes place.")
    starts_at: dt.datetime = F(description="When it starts.")
    ends_at: dt.datetime = F(description="When it ends; must be after startsAt (else INVALID_INPUT).")
    capacity: int | None = F(
        default=None, description="Maximum signups, at least 1 (else OUT_OF_RANGE); null for no limit."
    )


@strawberry.input(description="Service given outside a planned activity.")
class LogServiceInput:
    volunteer_id: strawberry.ID = F(description="The volunteer who served.")
    served_on: dt.date = F(description="The day of service; not in the future (else OUT_OF_RANGE).")
    hours: float = F(description="Hours served: more than 0 and at most 24 (else OUT_OF_RANGE).")
    description: str = F(description="What was done.")
