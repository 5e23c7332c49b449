"""Volunteers, teams, the activity state machine and signups, through the API."""

from __future__ import annotations

from core.enums import ResidentStatus
from plugins.volunteers.tests.helpers import (
    ACTIVITY,
    CANCEL,
    CANCEL_SIGNUP,
    CLOSE,
    COMPLETE,
    CREATE_ACTIVITY,
    CREATE_TEAM,
    JOIN_TEAM,
    LEAVE_TEAM,
    OPEN,
    REGISTER,
    SIGN_UP,
    activity_input,
    call,
    codes,
    gid_of,
    ok,
    open_activity,
    register,
    sign_up,
    world_with_coordinator,
)


async def test_register_volunteer_once_and_only_active_residents(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    p = await ok(
        client,
        REGISTER,
        {"r": gid_of(w.residents["zhang"]), "s": ["急救", " 书法 ", "急救"]},
        token,
        "registerVolunteer",
    )
    assert p["volunteer"]["status"] == "ACTIVE"
    assert p["volunteer"]["skills"] == ["书法", "急救"]
    assert p["volunteer"]["resident"]["name"] == "张伟"

    again = await call(client, REGISTER, {"r": gid_of(w.residents["zhang"])}, token, "registerVolunteer")
    assert codes(again) == ["DUPLICATE"] and again["volunteer"] is None

    w.residents["zhang_wife"].status = ResidentStatus.MOVED_OUT
    await w.residents["zhang_wife"].save()
    gone = await call(client, REGISTER, {"r": gid_of(w.residents["zhang_wife"])}, token, "registerVolunteer")
    assert codes(gone) == ["INVALID_TRANSITION"]

    # Out of the coordinator's community: not found, never forbidden.
    other = await call(client, REGISTER, {"r": gid_of(w.residents["wang"])}, token, "registerVolunteer")
    assert codes(other) == ["NOT_FOUND"]

    data = await client.data(
        "query($id: ID!) { node(id: $id) { ... on Resident { volunteer { id } } } }",
        {"id": gid_of(w.residents["zhang"])},
        w.tokens["c1_worker"],
    )
    assert data["node"]["volunteer"]["id"] == p["volunteer"]["id"]


async def test_skills_and_status(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    p = await ok(
        client,
        "mutation($v: ID!, $s: [String!]!) { updateVolunteerSkills(volunteerId: $v, skills: $s) "
        "{ volunteer { skills } userErrors { code } } }",
        {"v": v, "s": ["law"]},
        token,
        "updateVolunteerSkills",
    )
    assert p["volunteer"]["skills"] == ["law"]
    bad = await call(
        client,
        "mutation($v: ID!, $s: [String!]!) { updateVolunteerSkills(volunteerId: $v, skills: $s) "
        "{ volunteer { skills } userErrors { code } } }",
        {"v": v, "s": ["x" * 51]},
        token,
        "updateVolunteerSkills",
    )
    assert codes(bad) == ["INVALID_INPUT"]
    status = "mutation($v: ID!, $s: VolunteerStatus!) { setVolunteerStatus(volunteerId: $v, status: $s) { volunteer { status } userErrors { code } } }"
    assert (await ok(client, status, {"v": v, "s": "SUSPENDED"}, token, "setVolunteerStatus"))["volunteer"][
        "status"
    ] == "SUSPENDED"
    a = await open_activity(client, token, gid_of(w.c1))
    refused = await call(client, SIGN_UP, {"a": a, "v": v}, token, "signUpForActivity")
    assert codes(refused) == ["INVALID_TRANSITION"]
    assert (await ok(client, status, {"v": v, "s": "ACTIVE"}, token, "setVolunteerStatus"))["volunteer"][
        "status"
    ] == "ACTIVE"
    await sign_up(client, token, a, v)

    filtered = await client.data(
        '{ volunteers(filter: {skill: "law", status: ACTIVE, search: "张"}) { totalCount } }', token=token
    )
    assert filtered["volunteers"]["totalCount"] == 1
    none = await client.data('{ volunteers(filter: {skill: "la"}) { totalCount } }', token=token)
    assert none["volunteers"]["totalCount"] == 0


async def test_teams_leader_membership_and_leaving(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])
    wife = await register(client, token, w.residents["zhang_wife"])
    wang = await register(client, w.tokens["c2_worker"], w.residents["wang"])

    # A leader who is not ACTIVE is refused and nothing is created.
    await ok(
        client,
        "mutation($v: ID!) { setVolunteerStatus(volunteerId: $v, status: SUSPENDED) "
        "{ volunteer { id } userErrors { code field message } } }",
        {"v": wang},
        w.tokens["super"],
        "setVolunteerStatus",
    )
    refused = await call(
        client,
        CREATE_TEAM,
        {"name": "学雷锋队", "area": gid_of(w.c1), "leader": wang},
        w.tokens["super"],
        "createVolunteerTeam",
    )
    assert codes(refused) == ["INVALID_TRANSITION"] and refused["team"] is None
    assert (await client.data("{ volunteerTeams { id } }", token=w.tokens["super"]))["volunteerTeams"] == []

    team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "学雷锋队", "area": gid_of(w.compound1), "leader": zhang},
            token,
            "createVolunteerTeam",
        )
    )["team"]
    assert team["leader"]["id"] == zhang
    assert team["memberCount"] == 1 and team["members"]["edges"][0]["node"]["id"] == zhang
    dup_name = await call(
        client, CREATE_TEAM, {"name": "学雷锋队", "area": gid_of(w.compound1)}, token, "createVolunteerTeam"
    )
    assert codes(dup_name) == ["DUPLICATE"]

    joined = await ok(client, JOIN_TEAM, {"t": team["id"], "v": wife}, token, "joinVolunteerTeam")
    assert joined["team"]["memberCount"] == 2
    twice = await call(client, JOIN_TEAM, {"t": team["id"], "v": wife}, token, "joinVolunteerTeam")
    assert codes(twice) == ["DUPLICATE"]

    left = await ok(client, LEAVE_TEAM, {"t": team["id"], "v": zhang}, token, "leaveVolunteerTeam")
    assert left["team"]["leader"] is None and left["team"]["memberCount"] == 1
    not_member = await call(client, LEAVE_TEAM, {"t": team["id"], "v": zhang}, token, "leaveVolunteerTeam")
    assert codes(not_member) == ["NOT_FOUND"]

    data = await client.data("query($id: ID!) { volunteer(id: $id) { teams { name } } }", {"id": wife}, token)
    assert data["volunteer"]["teams"] == [{"name": "学雷锋队"}]
    listed = await client.data(
        "query($a: ID!) { volunteerTeams(areaId: $a) { name } }", {"a": gid_of(w.c1)}, token
    )
    assert listed["volunteerTeams"] == [{"name": "学雷锋队"}]


async def test_create_activity_validation(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    c1 = gid_of(w.c1)
    backwards = activity_input(c1, length=-1)
    assert codes(
        await call(client, CREATE_ACTIVITY, {"input": backwards}, token, "createVolunteerActivity")
    ) == ["INVALID_INPUT"]
    empty = activity_input(c1, length=0)
    assert codes(await call(client, CREATE_ACTIVITY, {"input": empty}, token, "createVolunteerActivity")) == [
        "INVALID_INPUT"
    ]
    zero = activity_input(c1, capacity=0)
    assert codes(await call(client, CREATE_ACTIVITY, {"input": zero}, token, "createVolunteerActivity")) == [
        "OUT_OF_RANGE"
    ]
    other_team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "平安志愿者", "area": gid_of(w.c2)},
            w.tokens["super"],
            "createVolunteerTeam",
        )
    )["team"]["id"]
    unrelated = activity_input(gid_of(w.c1), team=other_team)
    assert codes(
        await call(
            client, CREATE_ACTIVITY, {"input": unrelated}, w.tokens["super"], "createVolunteerActivity"
        )
    ) == ["INVALID_TARGET"]
    district_team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "区志愿服务队", "area": gid_of(w.district)},
            w.tokens["super"],
            "createVolunteerTeam",
        )
    )["team"]["id"]
    long_place = {**activity_input(c1), "location": "x" * 301}
    assert codes(
        await call(client, CREATE_ACTIVITY, {"input": long_place}, token, "createVolunteerActivity")
    ) == ["INVALID_INPUT"]
    naive = {**activity_input(c1), "startsAt": "2030-05-01T09:00:00", "endsAt": "2030-05-01T11:30:00"}
    naive_ok = await ok(client, CREATE_ACTIVITY, {"input": naive}, token, "createVolunteerActivity")
    assert naive_ok["activity"]["startsAt"].startswith("2030-05-01T09:00:00")
    assert naive_ok["activity"]["startsAt"].endswith(("+00:00", "Z"))
    fine = await ok(
        client,
        CREATE_ACTIVITY,
        {"input": activity_input(c1, team=district_team, capacity=None)},
        w.tokens["super"],
        "createVolunteerActivity",
    )
    assert fine["activity"]["status"] == "PLANNED" and fine["activity"]["capacity"] is None
    assert fine["activity"]["team"]["id"] == district_team
    assert codes(
        await call(
            client, CREATE_ACTIVITY, {"input": activity_input(gid_of(w.c2))}, token, "createVolunteerActivity"
        )
    ) == ["NOT_FOUND"]


async def test_activity_state_machine(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    a = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(gid_of(w.c1), starts=-1)},
            token,
            "createVolunteerActivity",
        )
    )["activity"]["id"]

    async def status():
        return (await client.data(ACTIVITY, {"id": a}, token))["volunteerActivity"]["status"]

    for op, field in ((CLOSE, "closeVolunteerActivity"), (COMPLETE, "completeVolunteerActivity")):
        p = await call(client, op, {"a": a}, token, field)
        assert codes(p) == ["INVALID_TRANSITION"] and p["activity"] is None
        assert await status() == "PLANNED"
    await ok(client, OPEN, {"a": a}, token, "openVolunteerActivity")
    assert codes(await call(client, OPEN, {"a": a}, token, "openVolunteerActivity")) == ["INVALID_TRANSITION"]
    assert codes(await call(client, COMPLETE, {"a": a}, token, "completeVolunteerActivity")) == [
        "INVALID_TRANSITION"
    ]
    await ok(client, CLOSE, {"a": a}, token, "closeVolunteerActivity")
    done = await ok(client, COMPLETE, {"a": a}, token, "completeVolunteerActivity")
    assert done["activity"]["status"] == "COMPLETED"
    late = await call(client, CANCEL, {"a": a, "reason": "rain"}, token, "cancelVolunteerActivity")
    assert codes(late) == ["INVALID_TRANSITION"] and await status() == "COMPLETED"

    # The state machine alone decides: an upcoming activity walks the same path.
    future = await open_activity(client, token, gid_of(w.c1), starts=24)
    await ok(client, CLOSE, {"a": future}, token, "closeVolunteerActivity")
    early = await ok(client, COMPLETE, {"a": future}, token, "completeVolunteerActivity")
    assert early["activity"]["status"] == "COMPLETED"

    for steps in ([], [OPEN], [OPEN, CLOSE]):
        b = (
            await ok(
                client,
                CREATE_ACTIVITY,
                {"input": activity_input(gid_of(w.c1))},
                token,
                "createVolunteerActivity",
            )
        )["activity"]["id"]
        for op in steps:
            await ok(
                client,
                op,
                {"a": b},
                token,
                "openVolunteerActivity" if op is OPEN else "closeVolunteerActivity",
            )
        no_reason = await call(client, CANCEL, {"a": b, "reason": " "}, token, "cancelVolunteerActivity")
        assert codes(no_reason) == ["INVALID_INPUT"]
        p = await ok(client, CANCEL, {"a": b, "reason": "暴雨预警"}, token, "cancelVolunteerActivity")
        assert p["activity"]["status"] == "CANCELLED" and p["activity"]["cancelReason"] == "暴雨预警"
        assert codes(await call(client, OPEN, {"a": b}, token, "openVolunteerActivity")) == [
            "INVALID_TRANSITION"
        ]


async def test_signups_capacity_duplicates_and_resignup(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])
    wife = await register(client, token, w.residents["zhang_wife"])
    wang = await register(client, w.tokens["c2_worker"], w.residents["wang"])
    planned = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(gid_of(w.c1), capacity=1)},
            token,
            "createVolunteerActivity",
        )
    )["activity"]["id"]
    assert codes(await call(client, SIGN_UP, {"a": planned, "v": zhang}, token, "signUpForActivity")) == [
        "INVALID_TRANSITION"
    ]
    await ok(client, OPEN, {"a": planned}, token, "openVolunteerActivity")

    first = await sign_up(client, token, planned, zhang)
    assert first["status"] == "SIGNED_UP" and first["activity"]["signupCount"] == 1
    assert codes(await call(client, SIGN_UP, {"a": planned, "v": zhang}, token, "signUpForActivity")) == [
        "DUPLICATE"
    ]
    full = await call(client, SIGN_UP, {"a": planned, "v": wife}, token, "signUpForActivity")
    assert codes(full) == ["CAPACITY_REACHED"]
    # A volunteer of another community is full-up too (and would be welcome otherwise).
    outsider = await call(client, SIGN_UP, {"a": planned, "v": wang}, w.tokens["super"], "signUpForActivity")
    assert codes(outsider) == ["CAPACITY_REACHED"]

    cancelled = await ok(client, CANCEL_SIGNUP, {"s": first["id"]}, token, "cancelSignup")
    assert (
        cancelled["signup"]["status"] == "CANCELLED" and cancelled["signup"]["activity"]["signupCount"] == 0
    )
    assert codes(await call(client, CANCEL_SIGNUP, {"s": first["id"]}, token, "cancelSignup")) == [
        "INVALID_TRANSITION"
    ]
    taken = await sign_up(client, token, planned, wife)
    assert taken["activity"]["signupCount"] == 1
    assert codes(await call(client, SIGN_UP, {"a": planned, "v": zhang}, token, "signUpForActivity")) == [
        "CAPACITY_REACHED"
    ]
    await ok(client, CANCEL_SIGNUP, {"s": taken["id"]}, token, "cancelSignup")
    again = await sign_up(client, token, planned, zhang)
    assert again["id"] == first["id"] and again["status"] == "SIGNED_UP"

    listing = await client.data(
        "query($id: ID!) { volunteerActivity(id: $id) { signupCount signups { totalCount } "
        "active: signups(status: SIGNED_UP) { edges { node { volunteer { id } } } } } }",
        {"id": planned},
        token,
    )
    act = listing["volunteerActivity"]
    assert act["signupCount"] == 1 and act["signups"]["totalCount"] == 2
    assert [e["node"]["volunteer"]["id"] for e in act["active"]["edges"]] == [zhang]

    await ok(client, CLOSE, {"a": planned}, token, "closeVolunteerActivity")
    assert codes(await call(client, SIGN_UP, {"a": planned, "v": wife}, token, "signUpForActivity")) == [
        "INVALID_TRANSITION"
    ]


async def test_cancelling_activity_cancels_signups_and_notifies(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])  # has the "resident" account
    wife = await register(client, token, w.residents["zhang_wife"])  # no account
    a = await open_activity(client, token, gid_of(w.c1), capacity=5)
    s1 = await sign_up(client, token, a, zhang)
    await sign_up(client, token, a, wife)
    p = await ok(client, CANCEL, {"a": a, "reason": "暴雨预警"}, token, "cancelVolunteerActivity")
    assert p["activity"]["signupCount"] == 0
    data = await client.data(
        "query($id: ID!) { volunteerActivity(id: $id) { signups { edges { node { status } } } } }",
        {"id": a},
        token,
    )
    assert {e["node"]["status"] for e in data["volunteerActivity"]["signups"]["edges"]} == {"CANCELLED"}
    notes = await client.data(
        "{ myNotifications { edges { node { kind body subject { id } } } } }", token=w.tokens["resident"]
    )
    edges = notes["myNotifications"]["edges"]
    assert [e["node"]["kind"] for e in edges] == ["volunteers.activity_cancelled"]
    assert edges[0]["node"]["body"] == "暴雨预警" and edges[0]["node"]["subject"]["id"] == a
    assert codes(await call(client, CANCEL_SIGNUP, {"s": s1["id"]}, token, "cancelSignup")) == [
        "INVALID_TRANSITION"
    ]


async def test_filters_and_bad_ids(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])
    await register(client, token, w.residents["zhang_wife"])
    team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "学雷锋队", "area": gid_of(w.c1), "leader": zhang},
            token,
            "createVolunteerTeam",
        )
    )["team"]["id"]
    by_team = await client.data(
        "query($t: ID!) { volunteers(filter: {teamId: $t}) { edges { node { id } } } }", {"t": team}, token
    )
    assert [e["node"]["id"] for e in by_team["volunteers"]["edges"]] == [zhang]
    by_area = await client.data(
        "query($a: ID!) { volunteers(filter: {areaId: $a}) { totalCount } }",
        {"a": gid_of(w.compound1)},
        w.tokens["super"],
    )
    assert by_area["volunteers"]["totalCount"] == 2
    bogus = await client.data(
        '{ volunteers(filter: {teamId: "nonsense", areaId: "nonsense"}) { totalCount } }', token=token
    )
    assert bogus["volunteers"]["totalCount"] == 0
    page = await client.data(
        "{ volunteers(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } }", token=token
    )
    assert page["volunteers"]["pageInfo"]["hasNextPage"] is True
    for bad in ("nonsense", team):  # malformed, and an id of another type
        p = await call(client, SIGN_UP, {"a": bad, "v": zhang}, token, "signUpForActivity")
        assert codes(p) == ["NOT_FOUND"] and p["userErrors"][0]["field"] == ["activityId"]
    negative = await client("{ volunteerTeams(first: -1) { id } }", token=token, errors_ok=True)
    assert negative["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert (await client.data("query($id: ID!) { volunteer(id: $id) { id } }", {"id": team}, token))[
        "volunteer"
    ] is None
