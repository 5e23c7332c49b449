"""Activities and their lifecycle: the one state machine.

PLANNED -> OPEN -> CLOSED -> COMPLETED; PLANNED, OPEN or CLOSED -> CANCELLED.
A move is one conditional UPDATE on the status it starts from, so a refused
or lost race changes nothing and reads INVALID_TRANSITION.
"""

from __future__ import annotations

from tortoise.expressions import F, Subquery

from core import models as m
from core.audit import record
from core.dates import instant
from core.enums import AREA_TYPE_NAMES, lineage_column
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.services.guards import find, require, require_text
from core.services.notifications import notify
from plugins.volunteers import models as vm
from plugins.volunteers.access import MANAGE
from plugins.volunteers.enums import ActivityStatus, SignupStatus
from plugins.volunteers.services.common import now, status_of

S = ActivityStatus

# target status -> statuses it may be reached from
TRANSITIONS: dict[ActivityStatus, tuple[ActivityStatus, ...]] = {
    S.OPEN: (S.PLANNED,),
    S.CLOSED: (S.OPEN,),
    S.COMPLETED: (S.CLOSED,),
    S.CANCELLED: (S.PLANNED, S.OPEN, S.CLOSED),
}

CANCELLED_KIND = "volunteers.activity_cancelled"


def _within(team: vm.VolunteerTeam, team_area: m.Area, area: m.Area) -> bool:
    """Whether the team's area contains the activity's area or lies below it."""
    return (
        getattr(area, lineage_column(team_area.level), None) == team_area.id
        or getattr(team, lineage_column(area.level), None) == area.id
    )


def _optional_text(value: str | None, name: str, max_len: int) -> str | None:
    if value is None or not value.strip():
        return None
    return require_text(value, name, name, max_len)


async def create_activity(context, data) -> vm.VolunteerActivity:
    viewer = context.viewer
    area = await find(viewer, m.Area, data.area_id, "areaId", *AREA_TYPE_NAMES, what="Area")
    require(viewer, MANAGE, area, "areaId")
    title = require_text(data.title, "title", "title")
    starts_at = instant(data.starts_at, "startsAt", "startsAt")
    ends_at = instant(data.ends_at, "endsAt", "endsAt")
    if ends_at <= starts_at:
        raise UserFailure("endsAt must be after startsAt.", Code.INVALID_INPUT, "endsAt")
    if data.capacity is not None and data.capacity < 1:
        raise UserFailure(
            "capacity must be at least 1 (or null for no limit).", Code.OUT_OF_RANGE, "capacity"
        )
    activity = vm.VolunteerActivity(
        title=title,
        description=_optional_text(data.description, "description", 5000),
        category=data.category,
        area_id=area.id,
        location=_optional_text(data.location, "location", 300),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=data.capacity,
        created_by_id=viewer.user_id,
    )
    activity.set_lineage(area.lineage())
    if data.team_id is not None:
        team = await find(viewer, vm.VolunteerTeam, data.team_id, "teamId", "VolunteerTeam")
        if not _within(team, await m.Area.get(id=team.area_id), area):
            raise UserFailure("The team belongs to an unrelated area.", Code.INVALID_TARGET, "teamId")
        activity.team_id = team.id
    await activity.save()
    await record(context, "createVolunteerActivity", gid_of(activity))
    return activity


async def move_activity(
    context, activity_gid: str, target: ActivityStatus, reason: str | None = None
) -> vm.VolunteerActivity:
    viewer = context.viewer
    activity = await find(viewer, vm.VolunteerActivity, activity_gid, ["activityId"], "VolunteerActivity")
    require(viewer, MANAGE, activity, ["activityId"])
    changes = {"status": target, "updated_at": now()}
    if target == S.CANCELLED:
        changes["cancel_reason"] = require_text(reason, ["reason"], "reason", 1000)
    sources = TRANSITIONS[target]
    moved = await vm.VolunteerActivity.filter(id=activity.id, status__in=sources).update(**changes)
    if not moved:
        current = await status_of(vm.VolunteerActivity, activity.id)
        allowed = " or ".join(s.value for s in sources)
        raise UserFailure(
            f"Only a {allowed} activity can become {target.value}; it is {current.value}.",
            Code.INVALID_TRANSITION,
            ["activityId"],
        )
    activity = await vm.VolunteerActivity.get(id=activity.id)
    if target == S.CANCELLED:
        await _cancel_signups(context, activity)
    await record(context, f"activity.{target.value.lower()}", gid_of(activity))
    return activity


AUDIENCE_MAX = 1_000_000


async def record_audience(context, activity_gid: str, audience_count: int) -> vm.VolunteerActivity:
    """How many people an activity that took place reached (attendees of a lecture, visitors of a festival)."""
    viewer = context.viewer
    activity = await find(viewer, vm.VolunteerActivity, activity_gid, ["activityId"], "VolunteerActivity")
    require(viewer, MANAGE, activity, ["activityId"])
    if not 0 <= audience_count <= AUDIENCE_MAX:
        raise UserFailure(
            f"audienceCount must be between 0 and {AUDIENCE_MAX}.", Code.INVALID_INPUT, ["audienceCount"]
        )
    if activity.status == S.CANCELLED or activity.starts_at > now():
        raise UserFailure(
            "An audience is recorded for an activity that has taken place (started, not cancelled).",
            Code.INVALID_TRANSITION,
            ["activityId"],
        )
    activity.audience_count = audience_count
    await activity.save(update_fields=["audience_count", "updated_at"])
    await record(context, "recordActivityAudience", gid_of(activity), detail=str(audience_count))
    return activity


async def _cancel_signups(context, activity: vm.VolunteerActivity) -> None:
    """Cancel the places still held (SIGNED_UP or CHECKED_IN) and tell those
    volunteers who have accounts. Checked-out and no-show records stay."""
    held = (SignupStatus.SIGNED_UP, SignupStatus.CHECKED_IN)
    volunteer_ids = await vm.ActivitySignup.filter(activity_id=activity.id, status__in=held).values_list(
        "volunteer_id", flat=True
    )
    if not volunteer_ids:
        return
    cancelled = await vm.ActivitySignup.filter(activity_id=activity.id, status__in=held).update(
        status=SignupStatus.CANCELLED, cancelled_at=now()
    )
    await vm.VolunteerActivity.filter(id=activity.id).update(signup_count=F("signup_count") - cancelled)
    activity.signup_count -= cancelled
    user_ids = (
        await m.User.filter(
            is_active=True,
            resident_id__in=Subquery(vm.Volunteer.filter(id__in=list(volunteer_ids)).values("resident_id")),
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    await notify(
        context,
        user_ids,
        CANCELLED_KIND,
        f"活动取消: {activity.title}",
        body=activity.cancel_reason,
        subject=activity,
    )
