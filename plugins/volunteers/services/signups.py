"""Signing up for activities, attendance and hours of a signup.

Every change of a signup's status is one conditional UPDATE (``WHERE status
= <expected>``), and every change of an activity's ``signup_count`` is one
atomic UPDATE, so racing requests can neither exceed the capacity nor count a
signup twice, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from core.audit import record
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.services.guards import find, require
from plugins.volunteers import models as vm
from plugins.volunteers.access import MANAGE
from plugins.volunteers.enums import ActivityStatus, SignupStatus
from plugins.volunteers.services.common import (
    lock_volunteer,
    now,
    require_active,
    require_not_self,
    require_self_or_manage,
    status_of,
)
from plugins.volunteers.services.hours import activity_length, credited_hours

# Activity states in which each signup move is allowed.
CAN_CANCEL_SIGNUP = (ActivityStatus.OPEN, ActivityStatus.CLOSED)
CAN_CHECK_IN = (ActivityStatus.OPEN, ActivityStatus.CLOSED)
CAN_CHECK_OUT = (ActivityStatus.OPEN, ActivityStatus.CLOSED, ActivityStatus.COMPLETED)
CAN_MARK_NO_SHOW = (ActivityStatus.OPEN, ActivityStatus.CLOSED, ActivityStatus.COMPLETED)


async def _take_place(activity_id: int) -> None:
    """Count one more signup, only while OPEN and below capacity, in one statement."""
    taken = (
        await vm.VolunteerActivity.filter(id=activity_id, status=ActivityStatus.OPEN)
        .filter(Q(capacity__isnull=True) | Q(signup_count__lt=F("capacity")))
        .update(signup_count=F("signup_count") + 1)
    )
    if taken:
        return
    status = await status_of(vm.VolunteerActivity, activity_id)
    if status != ActivityStatus.OPEN:
        raise UserFailure(
            "Signups are accepted only while the activity is OPEN.", Code.INVALID_TRANSITION, ["activityId"]
        )
    raise UserFailure("The activity is full.", Code.CAPACITY_REACHED, ["activityId"])


async def _free_places(activity_id: int, n: int = 1) -> None:
    if n:
        await vm.VolunteerActivity.filter(id=activity_id).update(signup_count=F("signup_count") - n)


async def _release(signup_id: int, activity_id: int) -> bool:
    """SIGNED_UP -> CANCELLED, freeing the place. Like every writer that
    touches both, it locks the activity row before the signup row (the
    activity's cancellation does the same), so concurrent cancellations
    cannot deadlock on PostgreSQL; a missed move gives the place back."""
    await _free_places(activity_id)
    moved = await vm.ActivitySignup.filter(id=signup_id, status=SignupStatus.SIGNED_UP).update(
        status=SignupStatus.CANCELLED, cancelled_at=now()
    )
    if not moved:
        await _free_places(activity_id, -1)
    return bool(moved)


def _require_activity_status(activity: vm.VolunteerActivity, allowed: tuple, what: str) -> None:
    if activity.status not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise UserFailure(
            f"{what} is possible only while the activity is {names}; it is {activity.status.value}.",
            Code.INVALID_TRANSITION,
            ["signupId"],
        )


async def _move(signup: vm.ActivitySignup, expected: SignupStatus, **changes) -> vm.ActivitySignup:
    """Apply ``changes`` if the signup is still ``expected``; INVALID_TRANSITION otherwise."""
    moved = await vm.ActivitySignup.filter(id=signup.id, status=expected).update(**changes)
    if not moved:
        current = await status_of(vm.ActivitySignup, signup.id)
        label = current.value if current else "gone"
        raise UserFailure(
            f"The signup must be {expected.value}; it is {label}.", Code.INVALID_TRANSITION, ["signupId"]
        )
    return await vm.ActivitySignup.get(id=signup.id)


async def sign_up(context, activity_gid: str, volunteer_gid: str) -> vm.ActivitySignup:
    viewer = context.viewer
    activity = await find(viewer, vm.VolunteerActivity, activity_gid, ["activityId"], "VolunteerActivity")
    volunteer = await find(viewer, vm.Volunteer, volunteer_gid, ["volunteerId"], "Volunteer")
    require_self_or_manage(viewer, volunteer, activity, ["volunteerId"])
    # Locked before the activity (the order setVolunteerStatus LEFT takes them in when it cancels
    # the volunteer's future places): a volunteer leaving meanwhile is seen here, never signed up after.
    volunteer = await lock_volunteer(volunteer.id)
    require_active(volunteer, ["volunteerId"])
    if activity.status != ActivityStatus.OPEN:
        raise UserFailure(
            f"Signups are accepted only while the activity is OPEN; it is {activity.status.value}.",
            Code.INVALID_TRANSITION,
            ["activityId"],
        )
    earlier = await vm.ActivitySignup.get_or_none(activity_id=activity.id, volunteer_id=volunteer.id)
    if earlier is not None and earlier.status != SignupStatus.CANCELLED:
        raise UserFailure(
            "The volunteer is already signed up for this activity.", Code.DUPLICATE, ["volunteerId"]
        )
    await _take_place(activity.id)
    stamp = now()
    if earlier is not None:
        # Signing up again after a cancellation revives the one row of the pair.
        moved = await vm.ActivitySignup.filter(id=earlier.id, status=SignupStatus.CANCELLED).update(
            status=SignupStatus.SIGNED_UP,
            signed_up_at=stamp,
            cancelled_at=None,
            checked_in_at=None,
            checked_out_at=None,
            hours=None,
            verified=False,
            verified_by_id=None,
            verified_at=None,
        )
        if not moved:
            raise UserFailure(
                "The volunteer is already signed up for this activity.", Code.DUPLICATE, ["volunteerId"]
            )
        signup = await vm.ActivitySignup.get(id=earlier.id)
    else:
        signup = vm.ActivitySignup(activity_id=activity.id, volunteer_id=volunteer.id, signed_up_at=stamp)
        signup.set_lineage(activity.lineage())
        try:
            await signup.save()
        except IntegrityError:
            raise UserFailure(
                "The volunteer is already signed up for this activity.", Code.DUPLICATE, ["volunteerId"]
            ) from None
    await record(context, "signUpForActivity", gid_of(signup))
    return signup


async def _signup_with_activity(viewer, signup_gid: str):
    signup = await find(viewer, vm.ActivitySignup, signup_gid, ["signupId"], "ActivitySignup")
    activity = await vm.VolunteerActivity.get(id=signup.activity_id)
    volunteer = await vm.Volunteer.get(id=signup.volunteer_id)
    return signup, activity, volunteer


async def cancel_signup(context, signup_gid: str) -> vm.ActivitySignup:
    viewer = context.viewer
    signup, activity, volunteer = await _signup_with_activity(viewer, signup_gid)
    require_self_or_manage(viewer, volunteer, activity, ["signupId"])
    _require_activity_status(activity, CAN_CANCEL_SIGNUP, "Cancelling a signup")
    # The activity row first (as everywhere): a refused move rolls the count back with the transaction.
    await _free_places(activity.id)
    signup = await _move(signup, SignupStatus.SIGNED_UP, status=SignupStatus.CANCELLED, cancelled_at=now())
    await record(context, "cancelSignup", gid_of(signup))
    return signup


async def check_in(context, signup_gid: str) -> vm.ActivitySignup:
    viewer = context.viewer
    signup, activity, volunteer = await _signup_with_activity(viewer, signup_gid)
    require_self_or_manage(viewer, volunteer, activity, ["signupId"])
    _require_activity_status(activity, CAN_CHECK_IN, "Checking in")
    return await _move(signup, SignupStatus.SIGNED_UP, status=SignupStatus.CHECKED_IN, checked_in_at=now())


async def check_out(context, signup_gid: str) -> vm.ActivitySignup:
    viewer = context.viewer
    signup, activity, volunteer = await _signup_with_activity(viewer, signup_gid)
    require_self_or_manage(viewer, volunteer, activity, ["signupId"])
    _require_activity_status(activity, CAN_CHECK_OUT, "Checking out")
    stamp = now()
    hours = (
        credited_hours(signup.checked_in_at, stamp, activity.starts_at, activity.ends_at)
        if signup.checked_in_at
        else None
    )
    return await _move(
        signup, SignupStatus.CHECKED_IN, status=SignupStatus.CHECKED_OUT, checked_out_at=stamp, hours=hours
    )


async def mark_no_show(context, signup_gid: str) -> vm.ActivitySignup:
    viewer = context.viewer
    signup, activity, _ = await _signup_with_activity(viewer, signup_gid)
    require(viewer, MANAGE, activity, ["signupId"])
    _require_activity_status(activity, CAN_MARK_NO_SHOW, "Marking a no-show")
    # Signups close (CLOSED) when the activity takes place; while still OPEN it must have started.
    if activity.status == ActivityStatus.OPEN and now() < activity.starts_at:
        raise UserFailure(
            "Nobody is a no-show before the activity starts or its signups close.",
            Code.INVALID_TRANSITION,
            ["signupId"],
        )
    return await _move(signup, SignupStatus.SIGNED_UP, status=SignupStatus.NO_SHOW)


async def verify_hours(context, signup_gid: str, hours: float | None) -> vm.ActivitySignup:
    """Confirms a checked-out signup's hours, or replaces them (0 up to the
    activity's length, the cap check-in/check-out hours get; kept to two
    decimals). Verifying again re-confirms or corrects."""
    viewer = context.viewer
    signup, activity, volunteer = await _signup_with_activity(viewer, signup_gid)
    require(viewer, MANAGE, activity, ["signupId"])
    require_not_self(viewer, volunteer, ["signupId"])
    if hours is not None:
        hours = round(hours, 2)  # kept to two decimals: checked as kept
        most = activity_length(activity.starts_at, activity.ends_at)
        if not (0 <= hours <= most):
            raise UserFailure(
                f"hours must be between 0 and the activity's length, {most:g}.", Code.OUT_OF_RANGE, ["hours"]
            )
    changes = {"verified": True, "verified_by_id": viewer.user_id, "verified_at": now()}
    if hours is not None:
        changes["hours"] = hours
    elif signup.hours is None:
        changes["hours"] = 0.0
    signup = await _move(signup, SignupStatus.CHECKED_OUT, **changes)
    await record(context, "verifySignupHours", gid_of(signup), detail=str(signup.hours))
    return signup


async def cancel_future_signups(volunteer_id: int) -> int:
    """Cancel the volunteer's SIGNED_UP places in activities that start after now."""
    rows = await vm.ActivitySignup.filter(
        volunteer_id=volunteer_id,
        status=SignupStatus.SIGNED_UP,
        activity__starts_at__gt=now(),
    )
    cancelled = 0
    for signup in sorted(rows, key=lambda s: s.activity_id):
        cancelled += await _release(signup.id, signup.activity_id)
    return cancelled
