"""Shared set-up and GraphQL operations for the volunteers tests."""

from __future__ import annotations

import datetime as dt

from core import clock
from core import models as m
from core.api.relay import gid_of
from core.testing import build_world, make_resident, make_user, token_for
from plugins.volunteers import models as vm
from plugins.volunteers.enums import VolunteerStatus

ERRORS = "userErrors { code field message }"
SIGNUP_FIELDS = "id status hours verified checkedInAt checkedOutAt signedUpAt volunteer { id } activity { id signupCount }"

REGISTER = f"""mutation($r: ID!, $s: [String!]) {{ registerVolunteer(input: {{residentId: $r, skills: $s}}) {{
  volunteer {{ id status skills joinedOn resident {{ id name }} }} {ERRORS} }} }}"""
CREATE_TEAM = f"""mutation($name: String!, $area: ID!, $leader: ID) {{
  createVolunteerTeam(input: {{name: $name, areaId: $area, leaderId: $leader}}) {{
    team {{ id name memberCount leader {{ id }} members {{ totalCount edges {{ node {{ id }} }} }} }} {ERRORS} }} }}"""
JOIN_TEAM = f"""mutation($t: ID!, $v: ID!) {{ joinVolunteerTeam(teamId: $t, volunteerId: $v) {{
  team {{ id memberCount leader {{ id }} }} {ERRORS} }} }}"""
LEAVE_TEAM = f"""mutation($t: ID!, $v: ID!) {{ leaveVolunteerTeam(teamId: $t, volunteerId: $v) {{
  team {{ id memberCount leader {{ id }} }} {ERRORS} }} }}"""
CREATE_ACTIVITY = f"""mutation($input: CreateVolunteerActivityInput!) {{ createVolunteerActivity(input: $input) {{
  activity {{ id title status capacity signupCount startsAt endsAt team {{ id }} area {{ id }} }} {ERRORS} }} }}"""
SIGN_UP = f"""mutation($a: ID!, $v: ID!) {{ signUpForActivity(activityId: $a, volunteerId: $v) {{
  signup {{ {SIGNUP_FIELDS} }} {ERRORS} }} }}"""
ACTIVITY = "query($id: ID!) { volunteerActivity(id: $id) { id status signupCount capacity cancelReason } }"
VOLUNTEER = "query($id: ID!) { volunteer(id: $id) { id status verifiedHours totalHours } }"


def move(field: str, extra: str = "") -> str:
    return f"""mutation($a: ID!{", $reason: String!" if extra else ""}) {{ {field}(activityId: $a{extra}) {{
      activity {{ id status signupCount cancelReason }} {ERRORS} }} }}"""


def signup_op(field: str, extra_args: str = "", extra_params: str = "") -> str:
    return f"""mutation($s: ID!{extra_params}) {{ {field}(signupId: $s{extra_args}) {{
      signup {{ {SIGNUP_FIELDS} }} {ERRORS} }} }}"""


CHECK_IN = signup_op("checkIn")
CHECK_OUT = signup_op("checkOut")
CANCEL_SIGNUP = signup_op("cancelSignup")
NO_SHOW = signup_op("markNoShow")
VERIFY = signup_op("verifySignupHours", ", hours: $h", ", $h: Float")
OPEN = move("openVolunteerActivity")
CLOSE = move("closeVolunteerActivity")
COMPLETE = move("completeVolunteerActivity")
CANCEL = move("cancelVolunteerActivity", ", reason: $reason")


def payload(body: dict, field: str) -> dict:
    return body["data"][field]


def codes(p: dict) -> list[str]:
    return [e["code"] for e in p["userErrors"]]


async def call(client, op: str, variables: dict, token: str, field: str) -> dict:
    """The mutation's payload (fails on GraphQL errors)."""
    return (await client(op, variables, token))["data"][field]


async def ok(client, op: str, variables: dict, token: str, field: str) -> dict:
    p = await call(client, op, variables, token, field)
    assert p["userErrors"] == [], p["userErrors"]
    return p


async def world_with_coordinator():
    w = await build_world()
    w.users["coord"] = await make_user("coord", [("volunteer_coordinator", w.c1)])
    w.tokens["coord"] = token_for(w.users["coord"])
    return w


def when(hours_from_now: float, base: dt.datetime | None = None) -> str:
    base = base or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return (base + dt.timedelta(hours=hours_from_now)).isoformat()


def activity_input(
    area_gid: str,
    *,
    starts: float = 24,
    length: float = 2,
    capacity: int | None = None,
    title: str = "学雷锋 cleaning",
    team: str | None = None,
    category: str = "CIVILITY_PRACTICE",
) -> dict:
    base = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = {
        "title": title,
        "category": category,
        "areaId": area_gid,
        "startsAt": when(starts, base),
        "endsAt": when(starts + length, base),
        "capacity": capacity,
    }
    if team:
        data["teamId"] = team
    return data


async def register(client, token: str, resident, skills=None) -> str:
    p = await ok(client, REGISTER, {"r": gid_of(resident), "s": skills}, token, "registerVolunteer")
    return p["volunteer"]["id"]


async def open_activity(client, token: str, area_gid: str, **kw) -> str:
    a = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(area_gid, **kw)},
            token,
            "createVolunteerActivity",
        )
    )["activity"]["id"]
    await ok(client, OPEN, {"a": a}, token, "openVolunteerActivity")
    return a


async def sign_up(client, token: str, activity: str, volunteer: str) -> dict:
    return (await ok(client, SIGN_UP, {"a": activity, "v": volunteer}, token, "signUpForActivity"))["signup"]


async def direct_volunteers(residents: list[m.Resident]) -> list[vm.Volunteer]:
    """Volunteer rows made straight in the database (set-up for bulk tests)."""
    out = []
    for r in residents:
        v = vm.Volunteer(resident_id=r.id, joined_on=clock.today(), status=VolunteerStatus.ACTIVE)
        v.set_lineage(r.lineage())
        await v.save()
        out.append(v)
    return out


async def residents_in(unit, n: int, prefix: str = "居民") -> list[m.Resident]:
    return [await make_resident(unit, f"{prefix}{i}") for i in range(n)]


__all__ = ["build_world", "gid_of"]
