"""Who may do what: residents act for themselves, coordinators within their scope."""

from __future__ import annotations

from core.enums import AreaLevel
from core.testing import make_area
from plugins.volunteers.tests.helpers import (
    ACTIVITY,
    CANCEL_SIGNUP,
    CHECK_IN,
    CREATE_ACTIVITY,
    CREATE_TEAM,
    NO_SHOW,
    REGISTER,
    SIGN_UP,
    VOLUNTEER,
    activity_input,
    call,
    codes,
    gid_of,
    ok,
    open_activity,
    register,
    world_with_coordinator,
)


async def test_resident_acts_only_for_themselves(client):
    w = await world_with_coordinator()
    me = w.tokens["resident"]  # 张伟, resident of c1
    mine = await register(client, me, w.residents["zhang"])
    spouse = await call(client, REGISTER, {"r": gid_of(w.residents["zhang_wife"])}, me, "registerVolunteer")
    assert codes(spouse) == ["FORBIDDEN"]
    wife = await register(client, w.tokens["coord"], w.residents["zhang_wife"])
    wang = await register(client, w.tokens["c2_worker"], w.residents["wang"])

    a = await open_activity(client, w.tokens["coord"], gid_of(w.c1), starts=-1)
    own = await ok(client, SIGN_UP, {"a": a, "v": mine}, me, "signUpForActivity")
    # A household member's profile is visible, but signing them up is not the resident's to do.
    assert codes(await call(client, SIGN_UP, {"a": a, "v": wife}, me, "signUpForActivity")) == ["FORBIDDEN"]
    assert codes(await call(client, SIGN_UP, {"a": a, "v": wang}, me, "signUpForActivity")) == ["NOT_FOUND"]
    s = own["signup"]["id"]
    assert codes(await call(client, NO_SHOW, {"s": s}, me, "markNoShow")) == ["FORBIDDEN"]
    await ok(client, CANCEL_SIGNUP, {"s": s}, me, "cancelSignup")
    again = await ok(client, SIGN_UP, {"a": a, "v": mine}, me, "signUpForActivity")
    assert again["signup"]["id"] == s
    await ok(client, CHECK_IN, {"s": s}, me, "checkIn")

    wife_signup = await ok(client, SIGN_UP, {"a": a, "v": wife}, w.tokens["coord"], "signUpForActivity")
    # Other people's signups, even a household member's, are not the resident's to see.
    assert codes(
        await call(client, CANCEL_SIGNUP, {"s": wife_signup["signup"]["id"]}, me, "cancelSignup")
    ) == ["NOT_FOUND"]

    profile = await client.data(
        "{ me { resident { volunteer { id signups { totalCount edges { node { activity { id } } } } } } } }",
        token=me,
    )
    vol = profile["me"]["resident"]["volunteer"]
    assert vol["id"] == mine and vol["signups"]["edges"][0]["node"]["activity"]["id"] == a


async def test_resident_sees_activities_of_their_community_and_above(client):
    w = await world_with_coordinator()
    su = w.tokens["super"]
    ours = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(gid_of(w.compound1))},
            su,
            "createVolunteerActivity",
        )
    )["activity"]["id"]
    district = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(gid_of(w.district))},
            su,
            "createVolunteerActivity",
        )
    )["activity"]["id"]
    theirs = (
        await ok(
            client, CREATE_ACTIVITY, {"input": activity_input(gid_of(w.c2))}, su, "createVolunteerActivity"
        )
    )["activity"]["id"]
    neighbours = await make_area(AreaLevel.COMPOUND, "邻里小区", w.c1)
    next_door = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(gid_of(neighbours))},
            su,
            "createVolunteerActivity",
        )
    )["activity"]["id"]
    data = await client.data(
        "{ volunteerActivities { edges { node { id area { name } } } } }", token=w.tokens["resident"]
    )
    seen = {e["node"]["id"]: e["node"]["area"]["name"] for e in data["volunteerActivities"]["edges"]}
    assert seen == {ours: "幸福小区", district: "上街区", next_door: "邻里小区"}
    assert (await client.data(ACTIVITY, {"id": theirs}, w.tokens["resident"]))["volunteerActivity"] is None
    # Staff see what lies below their grant.
    c2 = await client.data("{ volunteerActivities { edges { node { id } } } }", token=w.tokens["c2_worker"])
    assert {e["node"]["id"] for e in c2["volunteerActivities"]["edges"]} == {theirs}
    filtered = await client.data(
        "query($a: ID!) { volunteerActivities(filter: {areaId: $a, status: PLANNED}) { totalCount } }",
        {"a": gid_of(w.s1)},
        su,
    )
    assert filtered["volunteerActivities"]["totalCount"] == 3


async def test_resident_sees_their_teams(client):
    w = await world_with_coordinator()
    su = w.tokens["super"]
    mine = await register(client, w.tokens["resident"], w.residents["zhang"])
    ours = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "学雷锋队", "area": gid_of(w.compound1), "leader": mine},
            su,
            "createVolunteerTeam",
        )
    )["team"]["id"]
    await ok(client, CREATE_TEAM, {"name": "平安志愿者", "area": gid_of(w.c2)}, su, "createVolunteerTeam")
    teams = await client.data(
        "{ volunteerTeams { id } me { resident { volunteer { teams { id } } } } }", token=w.tokens["resident"]
    )
    assert [t["id"] for t in teams["volunteerTeams"]] == [ours]
    assert teams["me"]["resident"]["volunteer"]["teams"] == [{"id": ours}]


async def test_staff_scope(client):
    w = await world_with_coordinator()
    v = await register(client, w.tokens["coord"], w.residents["zhang"])
    a = await open_activity(client, w.tokens["coord"], gid_of(w.c1))
    # Grid workers read but do not manage.
    assert (await client.data(VOLUNTEER, {"id": v}, w.tokens["c1_grid"]))["volunteer"]["id"] == v
    grid = await call(
        client,
        CREATE_ACTIVITY,
        {"input": activity_input(gid_of(w.c1))},
        w.tokens["c1_grid"],
        "createVolunteerActivity",
    )
    assert codes(grid) == ["FORBIDDEN"]
    assert codes(await call(client, SIGN_UP, {"a": a, "v": v}, w.tokens["c1_grid"], "signUpForActivity")) == [
        "FORBIDDEN"
    ]
    # Another community's worker: absent, never forbidden.
    other = w.tokens["c2_worker"]
    assert (await client.data(VOLUNTEER, {"id": v}, other))["volunteer"] is None
    assert (await client.data(ACTIVITY, {"id": a}, other))["volunteerActivity"] is None
    assert codes(await call(client, SIGN_UP, {"a": a, "v": v}, other, "signUpForActivity")) == ["NOT_FOUND"]
    listed = await client.data("{ volunteers { totalCount } }", token=other)
    assert listed["volunteers"]["totalCount"] == 0
    # The subdistrict manager and the coordinator both manage c1.
    assert (await ok(client, SIGN_UP, {"a": a, "v": v}, w.tokens["s1_manager"], "signUpForActivity"))[
        "signup"
    ]
    anonymous = await client(SIGN_UP, {"a": a, "v": v}, None, errors_ok=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    anonymous_read = await client("{ volunteers { totalCount } }", errors_ok=True)
    assert anonymous_read["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_roles_carry_volunteer_permissions(client):
    w = await world_with_coordinator()
    data = await client.data("{ roles { name permissions } }", token=w.tokens["super"])
    roles = {r["name"]: set(r["permissions"]) for r in data["roles"]}
    assert {"volunteers.read", "volunteers.manage", "volunteers.signup"} <= roles["volunteer_coordinator"]
    assert {"volunteers.read", "volunteers.manage"} <= roles["community_worker"]
    assert {"volunteers.read", "volunteers.manage"} <= roles["area_manager"]
    assert "volunteers.read" in roles["grid_worker"] and "volunteers.manage" not in roles["grid_worker"]
    assert roles["resident"] == {"volunteers.signup"} or "volunteers.signup" in roles["resident"]
