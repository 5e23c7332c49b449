"""Core resident events: moving out ends the profile, moving house moves it."""

from __future__ import annotations

from core import clock
from core.testing import make_unit, make_user, token_for
from plugins.volunteers.tests.helpers import (
    ACTIVITY,
    CHECK_IN,
    CREATE_TEAM,
    VOLUNTEER,
    gid_of,
    ok,
    open_activity,
    register,
    sign_up,
    world_with_coordinator,
)

MOVE_OUT = """mutation($r: ID!, $s: ResidentStatus) { moveOutResident(input: {residentId: $r, status: $s}) {
  resident { status volunteer { status } } userErrors { code } } }"""
MOVE = """mutation($r: ID!, $u: ID!) { moveResident(input: {residentId: $r, unitId: $u}) {
  resident { id } userErrors { code } } }"""
LOG = """mutation($input: LogServiceInput!) { logService(input: $input) { serviceLog { id } userErrors { code } } }"""
LOG_NODE = "query($id: ID!) { node(id: $id) { ... on ServiceLog { volunteer { id } } } }"
SIGNUP_STATUS = "query($id: ID!) { node(id: $id) { ... on ActivitySignup { status } } }"


async def test_moving_out_ends_profile_and_cancels_future_signups(client):
    w = await world_with_coordinator()
    token = w.tokens["c1_worker"]
    v = await register(client, token, w.residents["zhang"])
    future = await open_activity(client, token, gid_of(w.c1), starts=48, capacity=3)
    started = await open_activity(client, token, gid_of(w.c1), starts=-1, capacity=3)
    other = await register(client, token, w.residents["zhang_wife"])
    team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "学雷锋队", "area": gid_of(w.c1), "leader": v},
            token,
            "createVolunteerTeam",
        )
    )["team"]["id"]
    s_future = await sign_up(client, token, future, v)
    await sign_up(client, token, future, other)
    s_started = await sign_up(client, token, started, v)
    s_checked = await sign_up(client, token, started, other)
    await ok(client, CHECK_IN, {"s": s_checked["id"]}, token, "checkIn")

    p = await ok(
        client, MOVE_OUT, {"r": gid_of(w.residents["zhang"]), "s": "DECEASED"}, token, "moveOutResident"
    )
    assert p["resident"]["status"] == "DECEASED"
    assert p["resident"]["volunteer"]["status"] == "LEFT"
    assert (await client.data(SIGNUP_STATUS, {"id": s_future["id"]}, token))["node"]["status"] == "CANCELLED"
    # The activity already under way keeps its record.
    assert (await client.data(SIGNUP_STATUS, {"id": s_started["id"]}, token))["node"]["status"] == "SIGNED_UP"
    assert (await client.data(ACTIVITY, {"id": future}, token))["volunteerActivity"]["signupCount"] == 1
    assert (await client.data(ACTIVITY, {"id": started}, token))["volunteerActivity"]["signupCount"] == 2
    assert (await client.data(VOLUNTEER, {"id": other}, token))["volunteer"]["status"] == "ACTIVE"
    # Who left leads no team; the membership stays as history.
    led = await client.data(
        "query($id: ID!) { node(id: $id) { ... on VolunteerTeam { leader { id } memberCount } } }",
        {"id": team},
        token,
    )
    assert led["node"] == {"leader": None, "memberCount": 1}


async def test_reinstating_a_moved_out_volunteer_is_refused(client):
    w = await world_with_coordinator()
    token = w.tokens["c1_worker"]
    v = await register(client, token, w.residents["zhang"])
    await ok(client, MOVE_OUT, {"r": gid_of(w.residents["zhang"])}, token, "moveOutResident")
    p = (
        await client(
            "mutation($v: ID!) { setVolunteerStatus(volunteerId: $v, status: ACTIVE) "
            "{ volunteer { id } userErrors { code } } }",
            {"v": v},
            token,
        )
    )["data"]["setVolunteerStatus"]
    assert [e["code"] for e in p["userErrors"]] == ["INVALID_TRANSITION"]


async def test_moving_house_moves_the_profile(client):
    w = await world_with_coordinator()
    c3_worker = await make_user("c3_worker", [("community_worker", w.c3)])
    w.tokens["c3_worker"] = token_for(c3_worker)
    su = w.tokens["super"]
    v = await register(client, su, w.residents["zhang_wife"])
    log = (
        await ok(
            client,
            LOG,
            {
                "input": {
                    "volunteerId": v,
                    "servedOn": clock.today().isoformat(),
                    "hours": 2,
                    "description": "义务理发",
                }
            },
            su,
            "logService",
        )
    )["serviceLog"]["id"]
    same_community = await open_activity(client, su, gid_of(w.c1), starts=24)
    s = await sign_up(client, su, same_community, v)
    new_unit = await make_unit(w.building1, "2-201")
    await ok(
        client, MOVE, {"r": gid_of(w.residents["zhang_wife"]), "u": gid_of(new_unit)}, su, "moveResident"
    )
    assert (await client.data(SIGNUP_STATUS, {"id": s["id"]}, su))["node"]["status"] == "SIGNED_UP"
    await ok(client, MOVE, {"r": gid_of(w.residents["zhang_wife"]), "u": gid_of(w.unit3)}, su, "moveResident")
    # Now living in c3: the place in the c1 activity stays; c3's staff now see them.
    assert (await client.data(SIGNUP_STATUS, {"id": s["id"]}, su))["node"]["status"] == "SIGNED_UP"
    assert (await client.data(ACTIVITY, {"id": same_community}, su))["volunteerActivity"]["signupCount"] == 1
    assert (await client.data(VOLUNTEER, {"id": v}, w.tokens["c1_worker"]))["volunteer"] is None
    stats = await client.data(
        "query($a: ID!) { volunteerStats(areaId: $a) { volunteerCount } }", {"a": gid_of(w.c3)}, su
    )
    assert stats["volunteerStats"]["volunteerCount"] == 1
    # The service log moved with them: c3's worker sees it (and its volunteer), c1's no longer does.
    seen = await client.data(LOG_NODE, {"id": log}, w.tokens["c3_worker"])
    assert seen["node"]["volunteer"]["id"] == v
    assert (await client.data(LOG_NODE, {"id": log}, w.tokens["c1_worker"]))["node"] is None
