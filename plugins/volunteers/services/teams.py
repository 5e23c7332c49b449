"""Volunteer teams: creating them, joining and leaving.

A team belongs to an area; its leader is always one of its members. Members
are ACTIVE volunteers the acting coordinator may see (or the resident
joining with their own profile), wherever they live.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery

from core import models as m
from core.audit import record
from core.enums import AREA_TYPE_NAMES
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.services.guards import find, require, require_text
from plugins.volunteers import models as vm
from plugins.volunteers.access import MANAGE
from plugins.volunteers.services.common import (
    lock_team,
    lock_volunteer,
    require_active,
    require_self_or_manage,
)


async def create_team(context, data) -> vm.VolunteerTeam:
    """With ``leaderId`` the leader becomes the first member; a leader who is
    not ACTIVE (INVALID_TRANSITION) is refused and nothing is created."""
    viewer = context.viewer
    area = await find(viewer, m.Area, data.area_id, "areaId", *AREA_TYPE_NAMES, what="Area")
    require(viewer, MANAGE, area, "areaId")
    name = require_text(data.name, "name", "name")
    if await vm.VolunteerTeam.filter(area_id=area.id, name=name).exists():
        raise UserFailure("The area already has a team of that name.", Code.DUPLICATE, "name")
    team = vm.VolunteerTeam(name=name, area_id=area.id)
    team.set_lineage(area.lineage())
    leader = None
    if data.leader_id is not None:
        leader = await find(viewer, vm.Volunteer, data.leader_id, "leaderId", "Volunteer")
        require_active(leader, "leaderId")
        team.leader_id = leader.id
    try:
        await team.save()
    except IntegrityError:
        raise UserFailure("The area already has a team of that name.", Code.DUPLICATE, "name") from None
    if leader is not None:
        await _add_member(team, leader)
    await record(context, "createVolunteerTeam", gid_of(team))
    return team


async def _add_member(team: vm.VolunteerTeam, volunteer: vm.Volunteer) -> vm.TeamMembership:
    membership = vm.TeamMembership(team_id=team.id, volunteer_id=volunteer.id)
    membership.set_lineage(team.lineage())
    await membership.save()
    return membership


async def join_team(context, team_gid: str, volunteer_gid: str) -> vm.VolunteerTeam:
    """Coordinators add volunteers; a resident may add their own profile."""
    viewer = context.viewer
    team = await find(viewer, vm.VolunteerTeam, team_gid, ["teamId"], "VolunteerTeam")
    volunteer = await find(viewer, vm.Volunteer, volunteer_gid, ["volunteerId"], "Volunteer")
    require_self_or_manage(viewer, volunteer, team, ["volunteerId"])
    require_active(volunteer, ["volunteerId"])
    if await vm.TeamMembership.filter(team_id=team.id, volunteer_id=volunteer.id).exists():
        raise UserFailure("The volunteer is already a member of this team.", Code.DUPLICATE, ["volunteerId"])
    try:
        await _add_member(team, volunteer)
    except IntegrityError:
        raise UserFailure(
            "The volunteer is already a member of this team.", Code.DUPLICATE, ["volunteerId"]
        ) from None
    return team


async def set_leader(context, team_gid: str, volunteer_gid: str) -> vm.VolunteerTeam:
    """Coordinators choose the leader among the members (INVALID_TARGET
    otherwise); the leader must be ACTIVE (INVALID_TRANSITION)."""
    viewer = context.viewer
    team = await find(viewer, vm.VolunteerTeam, team_gid, ["teamId"], "VolunteerTeam")
    require(viewer, MANAGE, team, ["teamId"])
    volunteer = await find(viewer, vm.Volunteer, volunteer_gid, ["volunteerId"], "Volunteer")
    # Locks, in the order every writer of both takes them (volunteer, then team; PostgreSQL): a
    # volunteer leaving the service (setVolunteerStatus LEFT steps them down) or the team
    # (leaveVolunteerTeam) meanwhile is seen here, so nobody who left is made leader.
    volunteer = await lock_volunteer(volunteer.id)
    require_active(volunteer, ["volunteerId"])
    await lock_team(team.id)
    # One statement: the membership must still exist when the leader is set.
    member = Subquery(vm.TeamMembership.filter(team_id=team.id, volunteer_id=volunteer.id).values("team_id"))
    if not await vm.VolunteerTeam.filter(Q(id=team.id), Q(id__in=member)).update(leader_id=volunteer.id):
        raise UserFailure("A team leader must be a member of the team.", Code.INVALID_TARGET, ["volunteerId"])
    await record(context, "setVolunteerTeamLeader", gid_of(team), detail=gid_of(volunteer))
    return await vm.VolunteerTeam.get(id=team.id)


async def leave_team(context, team_gid: str, volunteer_gid: str) -> vm.VolunteerTeam:
    """When the leader leaves, the team has no leader until one is chosen."""
    viewer = context.viewer
    team = await find(viewer, vm.VolunteerTeam, team_gid, ["teamId"], "VolunteerTeam")
    volunteer = await find(viewer, vm.Volunteer, volunteer_gid, ["volunteerId"], "Volunteer")
    require_self_or_manage(viewer, volunteer, team, ["volunteerId"])
    await lock_team(team.id)  # a leader being chosen meanwhile waits, then finds no membership
    removed = await vm.TeamMembership.filter(team_id=team.id, volunteer_id=volunteer.id).delete()
    if not removed:
        raise UserFailure("The volunteer is not a member of this team.", Code.NOT_FOUND, ["volunteerId"])
    await vm.VolunteerTeam.filter(id=team.id, leader_id=volunteer.id).update(leader_id=None)
    return await vm.VolunteerTeam.get(id=team.id)
