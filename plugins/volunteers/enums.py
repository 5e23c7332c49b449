"""The plugin's enumerations, shared by its tables and its GraphQL schema."""

from __future__ import annotations

from enum import Enum

import strawberry

v = strawberry.enum_value


@strawberry.enum(description="Whether a volunteer currently serves.")
class VolunteerStatus(Enum):
    ACTIVE = v("ACTIVE", description="Serves and may sign up for activities.")
    SUSPENDED = v("SUSPENDED", description="Temporarily not serving; may not sign up.")
    LEFT = v("LEFT", description="No longer a volunteer (also set when the resident moves out or dies).")


@strawberry.enum(description="What kind of service an activity is.")
class ActivityCategory(Enum):
    CIVILITY_PRACTICE = v(
        "CIVILITY_PRACTICE", description="Civility practice (新时代文明实践), e.g. 学雷锋 service."
    )
    SAFETY_PATROL = v("SAFETY_PATROL", description="Safety patrol by safety volunteers (平安志愿者).")
    ELDERLY_CARE = v("ELDERLY_CARE", description="Visits and help for elderly residents.")
    ENVIRONMENT = v("ENVIRONMENT", description="Cleaning, greening, waste sorting.")
    LEGAL_EDUCATION = v("LEGAL_EDUCATION", description="Legal education and advice (普法).")
    CULTURE = v("CULTURE", description="Cultural activities and performances.")
    FESTIVAL = v("FESTIVAL", description="Festival activities (我们的节日).")
    EDUCATION = v("EDUCATION", description="Lectures and classes (道德讲堂, 社区学院, 科普大学).")
    EMERGENCY = v("EMERGENCY", description="Emergency response and relief.")
    OTHER = v("OTHER", description="Any other service.")


@strawberry.enum(description="PLANNED -> OPEN -> CLOSED -> COMPLETED; PLANNED, OPEN or CLOSED -> CANCELLED.")
class ActivityStatus(Enum):
    PLANNED = v("PLANNED", description="Announced; signups not yet open.")
    OPEN = v("OPEN", description="Accepting signups.")
    CLOSED = v("CLOSED", description="Signups closed; the activity takes place (check-in and check-out).")
    COMPLETED = v("COMPLETED", description="Over; hours may still be checked out and verified.")
    CANCELLED = v(
        "CANCELLED", description="Called off; its signups were cancelled and the volunteers notified."
    )


@strawberry.enum(description="Where a volunteer's signup for an activity stands.")
class SignupStatus(Enum):
    SIGNED_UP = v("SIGNED_UP", description="Holds a place.")
    CHECKED_IN = v("CHECKED_IN", description="Arrived; checkedInAt is set.")
    CHECKED_OUT = v("CHECKED_OUT", description="Left; hours are computed and await verification.")
    NO_SHOW = v("NO_SHOW", description="Did not come; keeps the place counted, earns no hours.")
    CANCELLED = v("CANCELLED", description="Withdrawn (or the activity was cancelled); frees the place.")
