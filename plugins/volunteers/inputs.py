"""GraphQL input types of the volunteers plugin."""

from __future__ import annotations

import datetime as dt

import strawberry

from plugins.volunteers.enums import ActivityCategory, ActivityStatus, VolunteerStatus

F = strawberry.field


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
    resident_id: strawberry.ID = F(description="The resident; must be ACTIVE and not yet a volunteer. A resident may register themselves.")
    skills: list[str] | None = F(default=None, description="Specialities (特长), each at most 50 characters.")


@strawberry.input(description="A new volunteer team.")
class CreateVolunteerTeamInput:
    name: str = F(description="Name, unique within the area.")
    area_id: strawberry.ID = F(description="The area the team belongs to.")
    leader_id: strawberry.ID | None = F(default=None, description="Leader; becomes the first member. Must be ACTIVE (else INVALID_TRANSITION).")


@strawberry.input(description="A new activity; it starts PLANNED.")
class CreateVolunteerActivityInput:
    title: str = F(description="Short title.")
    description: str | None = F(default=None, description="What the activity is about.")
    category: ActivityCategory = F(description="What kind of service it is.")
    area_id: strawberry.ID = F(description="The area it is held in.")
    team_id: strawberry.ID | None = F(default=None, description="The team running it; its area must contain the activity's area or lie below it (else INVALID_TARGET).")
    location: str | None = F(default=None, description="Where it takes place.")
    starts_at: dt.datetime = F(description="When it starts.")
    ends_at: dt.datetime = F(description="When it ends; must be after startsAt (else INVALID_INPUT).")
    capacity: int | None = F(default=None, description="Maximum signups, at least 1 (else OUT_OF_RANGE); null for no limit.")


@strawberry.input(description="Service given outside a planned activity.")
class LogServiceInput:
    volunteer_id: strawberry.ID = F(description="The volunteer who served.")
    served_on: dt.date = F(description="The day of service; not in the future (else OUT_OF_RANGE).")
    hours: float = F(description="Hours served: more than 0 and at most 24 (else OUT_OF_RANGE).")
    description: str = F(description="What was done.")
