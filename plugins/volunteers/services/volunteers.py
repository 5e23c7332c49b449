"""Volunteer profiles: registering residents, skills and status."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from core import clock
from core import models as m
from core.audit import record
from core.enums import ResidentStatus
from core.errors import Code, Field, UserFailure
from core.ids import gid_of
from core.services.guards import find, require
from core.validation import unstorable_text
from plugins.volunteers import models as vm
from plugins.volunteers.access import MANAGE, SIGNUP
from plugins.volunteers.enums import VolunteerStatus
from plugins.volunteers.services.common import now, require_self_or_manage
from plugins.volunteers.services.signups import cancel_future_signups

MAX_SKILLS = 20
MAX_SKILL_LEN = 50


def clean_skills(values: list[str] | None, field: Field) -> list[str]:
    skills = [s.strip() for s in values or [] if s and s.strip()]
    for s in skills:
        if len(s) > MAX_SKILL_LEN or "|" in s or unstorable_text(s):
            raise UserFailure(
                f"A skill is at most {MAX_SKILL_LEN} characters, without '|', NUL or lone surrogates.",
                Code.INVALID_INPUT,
                field,
            )
    if len(set(skills)) > MAX_SKILLS:
        raise UserFailure(f"At most {MAX_SKILLS} skills.", Code.INVALID_INPUT, field)
    return skills


async def register_volunteer(context, resident_gid: str, skills: list[str] | None) -> vm.Volunteer:
    """Residents register themselves (volunteers.signup) or are registered by a coordinator."""
    viewer = context.viewer
    field = "residentId"
    resident = await find(viewer, m.Resident, resident_gid, field, "Resident")
    if not (viewer.resident_id == resident.id and viewer.can(SIGNUP)):
        require(viewer, MANAGE, resident, field)
    # The resident row re-read and locked (PostgreSQL), as moveOutResident locks it: a move-out
    # meanwhile either comes first (refused here) or waits and then ends this new profile.
    resident = await m.Resident.filter(id=resident.id).select_for_update(no_key=True).get()
    if resident.status != ResidentStatus.ACTIVE:
        raise UserFailure(
            f"The resident is {resident.status.value}; only active residents volunteer.",
            Code.INVALID_TRANSITION,
            field,
        )
    if await vm.Volunteer.filter(resident_id=resident.id).exists():
        raise UserFailure("The resident is already registered as a volunteer.", Code.DUPLICATE, field)
    volunteer = vm.Volunteer(resident_id=resident.id, joined_on=clock.today(), status=VolunteerStatus.ACTIVE)
    volunteer.skills = clean_skills(skills, "skills")
    volunteer.set_lineage(resident.lineage())
    try:
        await volunteer.save()
    except IntegrityError:
        raise UserFailure(
            "The resident is already registered as a volunteer.", Code.DUPLICATE, field
        ) from None
    await record(context, "registerVolunteer", gid_of(volunteer))
    return volunteer


async def update_skills(context, volunteer_gid: str, skills: list[str]) -> vm.Volunteer:
    viewer = context.viewer
    volunteer = await find(viewer, vm.Volunteer, volunteer_gid, ["volunteerId"], "Volunteer")
    require_self_or_manage(viewer, volunteer, volunteer, ["volunteerId"])
    volunteer.skills = clean_skills(skills, ["skills"])
    await volunteer.save(update_fields=["skills_text", "updated_at"])
    return volunteer


async def set_status(context, volunteer_gid: str, status: VolunteerStatus) -> vm.Volunteer:
    """LEFT also cancels the volunteer's future signups; ACTIVE needs an active resident."""
    viewer = context.viewer
    volunteer = await find(viewer, vm.Volunteer, volunteer_gid, ["volunteerId"], "Volunteer", for_update=True)
    require(viewer, MANAGE, volunteer, ["volunteerId"])
    if status == VolunteerStatus.ACTIVE:
        resident = await m.Resident.get(id=volunteer.resident_id)
        if resident.status != ResidentStatus.ACTIVE:
            raise UserFailure(
                f"The resident is {resident.status.value}; only active residents volunteer.",
                Code.INVALID_TRANSITION,
                ["status"],
            )
    volunteer.status = status
    await volunteer.save(update_fields=["status", "updated_at"])
    if status == VolunteerStatus.LEFT:
        await _step_down(volunteer.id)
    await record(context, "setVolunteerStatus", gid_of(volunteer), detail=status.value)
    return volunteer


async def end_profile(resident: m.Resident) -> None:
    """The resident moved out or died: the profile is LEFT, future signups cancelled."""
    volunteer = await vm.Volunteer.get_or_none(resident_id=resident.id)
    if volunteer is None:
        return
    await vm.Volunteer.filter(id=volunteer.id).update(status=VolunteerStatus.LEFT, updated_at=now())
    await _step_down(volunteer.id)


async def _step_down(volunteer_id: int) -> None:
    """Someone who left holds no future places and leads no team (memberships stay as history)."""
    await cancel_future_signups(volunteer_id)
    await vm.VolunteerTeam.filter(leader_id=volunteer_id).update(leader_id=None)


async def follow_move(resident: m.Resident) -> None:
    """The resident moved to another unit: the profile (and its service logs)
    follows them; their signups stay, as volunteers serve wherever they are signed up."""
    volunteer = await vm.Volunteer.get_or_none(resident_id=resident.id)
    if volunteer is None:
        return
    volunteer.set_lineage(resident.lineage())
    await volunteer.save()
    # Service logs carry the volunteer's lineage: they move along.
    await vm.ServiceLog.filter(volunteer_id=volunteer.id).update(**volunteer.lineage())
