"""The volunteers' "check then write" rules under concurrent requests (PostgreSQL; docs/invariants.md).

Capacity, duplicate signups and cancelling signups during an activity's
cancellation are proven in test_concurrency.py; these are the others: one
profile per resident, team names and memberships, the leader rule, nobody who
left holding a place or a team, and the one-way moves (verify, check in, open).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from core import models as m
from core.enums import ResidentStatus
from plugins.volunteers import models as vm
from plugins.volunteers.enums import SignupStatus, VolunteerStatus
from plugins.volunteers.tests.helpers import (
    CHECK_IN,
    CREATE_TEAM,
    JOIN_TEAM,
    LEAVE_TEAM,
    OPEN,
    REGISTER,
    SIGN_UP,
    activity_input,
    direct_volunteers,
    gid_of,
    ok,
    open_activity,
    residents_in,
    world_with_coordinator,
)
from tests.concurrency import outcome, postgres_only  # noqa: F401 (a fixture, used by name)

pytestmark = pytest.mark.usefixtures("postgres_only")

N = 8
ROUNDS = 6

SET_LEADER = """mutation($t: ID!, $v: ID!) { setVolunteerTeamLeader(teamId: $t, volunteerId: $v) {
  team { id leader { id } } userErrors { code field } } }"""
SET_STATUS = """mutation($v: ID!, $s: VolunteerStatus!) { setVolunteerStatus(volunteerId: $v, status: $s) {
  volunteer { id status } userErrors { code field } } }"""
LOG = """mutation($i: LogServiceInput!) { logService(input: $i) { serviceLog { id } userErrors { code field } } }"""
VERIFY_LOG = """mutation($l: ID!) { verifyServiceLog(serviceLogId: $l) { serviceLog { id verified } userErrors { code field } } }"""
CREATE_ACTIVITY = """mutation($input: CreateVolunteerActivityInput!) { createVolunteerActivity(input: $input) {
  activity { id } userErrors { code field } } }"""
MOVE_OUT = """mutation($i: MoveOutResidentInput!) { moveOutResident(input: $i) { resident { id } userErrors { code field } } }"""


async def _at_once(client, calls) -> tuple[Counter, list[dict]]:
    """(outcome counts, payloads) of (query, variables, token, field) sent at once."""
    bodies = await asyncio.gather(*(client(q, v, t) for q, v, t, _ in calls))
    payloads = [b["data"][f] for b, (_, _, _, f) in zip(bodies, calls, strict=True)]
    return Counter(outcome(p) for p in payloads), payloads


async def test_one_profile_per_resident_registered_at_once(client):
    w = await world_with_coordinator()
    resident = w.residents["zhang_wife"]
    got, _ = await _at_once(
        client, [(REGISTER, {"r": gid_of(resident)}, w.tokens["coord"], "registerVolunteer")] * N
    )
    assert got == Counter({"OK": 1, "DUPLICATE@input.residentId": N - 1})
    assert await vm.Volunteer.filter(resident_id=resident.id).count() == 1


async def test_team_names_and_memberships_at_once(client):
    w = await world_with_coordinator()
    tok = w.tokens["coord"]
    got, payloads = await _at_once(
        client, [(CREATE_TEAM, {"name": "平安志愿队", "area": gid_of(w.c1)}, tok, "createVolunteerTeam")] * N
    )
    assert got == Counter({"OK": 1, "DUPLICATE@input.name": N - 1})
    team = next(p["team"]["id"] for p in payloads if p["team"])
    [volunteer] = await direct_volunteers(await residents_in(w.unit1, 1))
    got, _ = await _at_once(
        client, [(JOIN_TEAM, {"t": team, "v": gid_of(volunteer)}, tok, "joinVolunteerTeam")] * N
    )
    assert got == Counter({"OK": 1, "DUPLICATE@volunteerId": N - 1})
    assert await vm.TeamMembership.filter(volunteer_id=volunteer.id).count() == 1


async def _team_with_member(client, w, name: str):
    [volunteer] = await direct_volunteers(await residents_in(w.unit1, 1, prefix=name))
    team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": name, "area": gid_of(w.c1)},
            w.tokens["coord"],
            "createVolunteerTeam",
        )
    )["team"]["id"]
    await ok(client, JOIN_TEAM, {"t": team, "v": gid_of(volunteer)}, w.tokens["coord"], "joinVolunteerTeam")
    return team, volunteer


async def _leaders_are_members_and_active() -> None:
    for team in await vm.VolunteerTeam.filter(leader_id__isnull=False):
        assert await vm.TeamMembership.filter(team_id=team.id, volunteer_id=team.leader_id).exists(), (
            team.name
        )
        assert (await vm.Volunteer.get(id=team.leader_id)).status == VolunteerStatus.ACTIVE, team.name


async def test_a_member_leaving_while_made_leader(client):
    """The leader is always a member: leaving and being chosen at once end with a member or no leader."""
    w = await world_with_coordinator()
    tok = w.tokens["coord"]
    for i in range(ROUNDS):
        team, volunteer = await _team_with_member(client, w, f"队{i}")
        v = gid_of(volunteer)
        pair = [
            (LEAVE_TEAM, {"t": team, "v": v}, tok, "leaveVolunteerTeam"),
            (SET_LEADER, {"t": team, "v": v}, tok, "setVolunteerTeamLeader"),
        ]
        got, _ = await _at_once(client, pair if i % 2 else pair[::-1])
        assert set(got) <= {"OK", "INVALID_TARGET@volunteerId"}, got
    await _leaders_are_members_and_active()


async def test_a_volunteer_leaving_the_service_while_made_leader(client):
    """Someone who left leads no team: LEFT and being chosen at once end with no LEFT leader."""
    w = await world_with_coordinator()
    su = w.tokens["super"]
    for i in range(ROUNDS):
        team, volunteer = await _team_with_member(client, w, f"队{i}")
        v = gid_of(volunteer)
        pair = [
            (SET_STATUS, {"v": v, "s": "LEFT"}, su, "setVolunteerStatus"),
            (SET_LEADER, {"t": team, "v": v}, su, "setVolunteerTeamLeader"),
        ]
        got, _ = await _at_once(client, pair if i % 2 else pair[::-1])
        assert set(got) <= {"OK", "INVALID_TRANSITION@volunteerId"}, got
    await _leaders_are_members_and_active()


async def test_a_volunteer_leaving_while_signing_up(client):
    """Someone who left holds no future place, and every place counted is held."""
    w = await world_with_coordinator()
    su = w.tokens["super"]
    activity = await open_activity(client, su, gid_of(w.c1), capacity=None)
    volunteers = await direct_volunteers(await residents_in(w.unit1, ROUNDS))
    for i, volunteer in enumerate(volunteers):
        v = gid_of(volunteer)
        pair = [
            (SET_STATUS, {"v": v, "s": "LEFT"}, su, "setVolunteerStatus"),
            (SIGN_UP, {"a": activity, "v": v}, su, "signUpForActivity"),
        ]
        got, _ = await _at_once(client, pair if i % 2 else pair[::-1])
        assert set(got) <= {"OK", "INVALID_TRANSITION@volunteerId"}, got
    held = await vm.ActivitySignup.filter(status=SignupStatus.SIGNED_UP)
    for signup in held:
        assert (await vm.Volunteer.get(id=signup.volunteer_id)).status == VolunteerStatus.ACTIVE
    assert (await vm.VolunteerActivity.get(id__gt=0)).signup_count == len(held)


async def test_a_resident_moving_out_while_registered_as_volunteer(client):
    """Only active residents volunteer: a move-out and a registration at once never leave an ACTIVE profile."""
    w = await world_with_coordinator()
    residents = await residents_in(w.unit1, ROUNDS, prefix="将搬")
    for i, resident in enumerate(residents):
        pair = [
            (MOVE_OUT, {"i": {"residentId": gid_of(resident)}}, w.tokens["c1_worker"], "moveOutResident"),
            (REGISTER, {"r": gid_of(resident)}, w.tokens["coord"], "registerVolunteer"),
        ]
        got, _ = await _at_once(client, pair if i % 2 else pair[::-1])
        assert set(got) <= {"OK", "INVALID_TRANSITION@input.residentId"}, got
    for volunteer in await vm.Volunteer.filter(status=VolunteerStatus.ACTIVE):
        assert (await m.Resident.get(id=volunteer.resident_id)).status == ResidentStatus.ACTIVE


async def test_one_way_moves_happen_once(client):
    """Verifying a service log, checking in and opening an activity: one success each, the rest refused."""
    w = await world_with_coordinator()
    tok = w.tokens["coord"]
    [volunteer] = await direct_volunteers(await residents_in(w.unit1, 1))
    log = (
        await ok(
            client,
            LOG,
            {
                "i": {
                    "volunteerId": gid_of(volunteer),
                    "servedOn": "2026-01-05",
                    "hours": 2,
                    "description": "扫雪",
                }
            },
            tok,
            "logService",
        )
    )["serviceLog"]["id"]
    got, _ = await _at_once(client, [(VERIFY_LOG, {"l": log}, tok, "verifyServiceLog")] * N)
    assert got == Counter({"OK": 1, "INVALID_TRANSITION@serviceLogId": N - 1})
    activity = await open_activity(client, tok, gid_of(w.c1), capacity=None)
    signup = (await ok(client, SIGN_UP, {"a": activity, "v": gid_of(volunteer)}, tok, "signUpForActivity"))[
        "signup"
    ]
    got, _ = await _at_once(client, [(CHECK_IN, {"s": signup["id"]}, tok, "checkIn")] * N)
    assert got == Counter({"OK": 1, "INVALID_TRANSITION@signupId": N - 1})
    planned = (
        await ok(
            client, CREATE_ACTIVITY, {"input": activity_input(gid_of(w.c1))}, tok, "createVolunteerActivity"
        )
    )["activity"]["id"]
    got, _ = await _at_once(client, [(OPEN, {"a": planned}, tok, "openVolunteerActivity")] * N)
    assert got == Counter({"OK": 1, "INVALID_TRANSITION@activityId": N - 1})
