"""The issue's words taken literally, as a front-end would use the API."""

from __future__ import annotations

import base64
import datetime as dt
import json

from core import clock
from plugins.volunteers.tests.helpers import (
    CANCEL,
    CHECK_IN,
    CHECK_OUT,
    CLOSE,
    COMPLETE,
    CREATE_ACTIVITY,
    CREATE_TEAM,
    JOIN_TEAM,
    NO_SHOW,
    REGISTER,
    SIGN_UP,
    VERIFY,
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

LEADERBOARD = "query($a: ID!) { volunteerLeaderboard(areaId: $a) { rank hours volunteer { id } } }"


def _gid(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


async def test_whole_lifecycle_of_an_upcoming_activity(client):
    """PLANNED -> OPEN -> CLOSED -> COMPLETED on an activity set for tomorrow,
    with check-in, check-out, a no-show and verification along the way."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])
    wife = await register(client, token, w.residents["zhang_wife"])
    a = await open_activity(client, token, gid_of(w.c1), starts=24, length=2, capacity=5)
    came = await sign_up(client, token, a, zhang)
    absent = await sign_up(client, token, a, wife)
    await ok(client, CLOSE, {"a": a}, token, "closeVolunteerActivity")
    checked_in = await ok(client, CHECK_IN, {"s": came["id"]}, token, "checkIn")
    assert checked_in["signup"]["status"] == "CHECKED_IN"
    no_show = await ok(client, NO_SHOW, {"s": absent["id"]}, token, "markNoShow")
    assert no_show["signup"]["status"] == "NO_SHOW"
    out = await ok(client, CHECK_OUT, {"s": came["id"]}, token, "checkOut")
    assert out["signup"]["status"] == "CHECKED_OUT" and out["signup"]["hours"] == 0.0
    done = await ok(client, COMPLETE, {"a": a}, token, "completeVolunteerActivity")
    assert done["activity"]["status"] == "COMPLETED"
    verified = await ok(client, VERIFY, {"s": came["id"], "h": 1.5}, token, "verifySignupHours")
    assert verified["signup"]["verified"] is True and verified["signup"]["hours"] == 1.5


async def test_volunteers_from_anywhere_in_scope_serve_and_rank(client):
    """An activity or team of one community takes volunteers from others; the
    leaderboard of an area ranks those living below it."""
    w = await world_with_coordinator()
    su = w.tokens["super"]
    zhang = await register(client, su, w.residents["zhang"])
    wang = await register(client, su, w.residents["wang"])
    liu = await register(client, su, w.residents["liu"])
    team = await ok(
        client,
        CREATE_TEAM,
        {"name": "学雷锋队", "area": gid_of(w.c1), "leader": wang},
        su,
        "createVolunteerTeam",
    )
    assert team["team"]["leader"]["id"] == wang and team["team"]["memberCount"] == 1
    joined = await ok(client, JOIN_TEAM, {"t": team["team"]["id"], "v": liu}, su, "joinVolunteerTeam")
    assert joined["team"]["memberCount"] == 2

    a = await open_activity(client, su, gid_of(w.c1), starts=24, length=3)
    signups = [await sign_up(client, su, a, v) for v in (zhang, wang, liu)]
    for s, hours in zip(signups, (2, 3, 3), strict=True):
        await ok(client, CHECK_IN, {"s": s["id"]}, su, "checkIn")
        await ok(client, CHECK_OUT, {"s": s["id"]}, su, "checkOut")
        await ok(client, VERIFY, {"s": s["id"], "h": hours}, su, "verifySignupHours")
    board = (await client.data(LEADERBOARD, {"a": gid_of(w.district)}, su))["volunteerLeaderboard"]
    assert [(r["rank"], r["hours"], r["volunteer"]["id"]) for r in board] == [
        (1, 3.0, wang),
        (1, 3.0, liu),
        (3, 2.0, zhang),
    ]
    c1 = (await client.data(LEADERBOARD, {"a": gid_of(w.c1)}, su))["volunteerLeaderboard"]
    assert [(r["rank"], r["volunteer"]["id"]) for r in c1] == [(1, zhang)]


async def test_corrected_hours_stay_within_the_activity_length(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    a = await open_activity(client, token, gid_of(w.c1), starts=-1, length=2)
    s = await sign_up(client, token, a, v)
    await ok(client, CHECK_IN, {"s": s["id"]}, token, "checkIn")
    await ok(client, CHECK_OUT, {"s": s["id"]}, token, "checkOut")
    too_long = await call(client, VERIFY, {"s": s["id"], "h": 2.25}, token, "verifySignupHours")
    assert codes(too_long) == ["OUT_OF_RANGE"] and too_long["userErrors"][0]["field"] == ["hours"]
    fine = await ok(client, VERIFY, {"s": s["id"], "h": 2}, token, "verifySignupHours")
    assert fine["signup"]["hours"] == 2.0


async def test_ids_beyond_the_integer_range_are_not_found(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    a = await open_activity(client, token, gid_of(w.c1), starts=24)
    for pk in (2**31, 10**20):
        for op, field, variables in (
            (CHECK_IN, "checkIn", {"s": _gid("ActivitySignup", pk)}),
            (SIGN_UP, "signUpForActivity", {"a": _gid("VolunteerActivity", pk), "v": v}),
            (SIGN_UP, "signUpForActivity", {"a": a, "v": _gid("Volunteer", pk)}),
            (JOIN_TEAM, "joinVolunteerTeam", {"t": _gid("VolunteerTeam", pk), "v": v}),
        ):
            assert codes(await call(client, op, variables, token, field)) == ["NOT_FOUND"], (field, pk)
        data = await client.data(
            "query($v: ID!, $a: ID!, $t: ID!, $c: ID!) { volunteer(id: $v) { id } volunteerActivity(id: $a) { id } "
            "volunteers(filter: {teamId: $t, areaId: $c}) { totalCount } "
            "volunteerActivities(filter: {teamId: $t, areaId: $c}) { totalCount } volunteerTeams(areaId: $c) { id } }",
            {
                "v": _gid("Volunteer", pk),
                "a": _gid("VolunteerActivity", pk),
                "t": _gid("VolunteerTeam", pk),
                "c": _gid("Community", pk),
            },
            token,
        )
        assert data == {
            "volunteer": None,
            "volunteerActivity": None,
            "volunteers": {"totalCount": 0},
            "volunteerActivities": {"totalCount": 0},
            "volunteerTeams": [],
        }
        body = await client(
            "query($c: ID!) { volunteerStats(areaId: $c) { volunteerCount } }",
            {"c": _gid("Community", pk)},
            token,
            errors_ok=True,
        )
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


LOG = """mutation($input: LogServiceInput!) { logService(input: $input) {
  serviceLog { id hours } userErrors { code field } } }"""
VERIFY_LOG = """mutation($id: ID!) { verifyServiceLog(serviceLogId: $id) { serviceLog { id verified } userErrors { code } } }"""


async def test_hour_sums_are_exact_to_the_hundredth(client):
    """1.1 h + 2.2 h is 3.3 h everywhere hours are summed, not 3.3000000000000003."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    today = clock.today().isoformat()
    for hours in (1.1, 2.2):
        log = (
            await ok(
                client,
                LOG,
                {"input": {"volunteerId": v, "servedOn": today, "hours": hours, "description": "楼道清理"}},
                token,
                "logService",
            )
        )["serviceLog"]
        await ok(client, VERIFY_LOG, {"id": log["id"]}, token, "verifyServiceLog")
    data = await client.data(
        "query($v: ID!, $c: ID!) { volunteer(id: $v) { verifiedHours totalHours } "
        "volunteerLeaderboard(areaId: $c) { hours } volunteerStats(areaId: $c) { verifiedHours } "
        "area(id: $c) { ... on Community { volunteerStats { verifiedHours } } } }",
        {"v": v, "c": gid_of(w.c1)},
        token,
    )
    assert data == {
        "volunteer": {"verifiedHours": 3.3, "totalHours": 3.3},
        "volunteerLeaderboard": [{"hours": 3.3}],
        "volunteerStats": {"verifiedHours": 3.3},
        "area": {"volunteerStats": {"verifiedHours": 3.3}},
    }


async def test_extreme_dates_answer_codes_not_internal_errors(client):
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    c1 = gid_of(w.c1)
    far = {
        "title": "x",
        "category": "OTHER",
        "areaId": c1,
        "startsAt": "0001-01-01T00:00:00+05:00",
        "endsAt": "9999-12-31T23:59:59-05:00",
    }
    p = await call(client, CREATE_ACTIVITY, {"input": far}, token, "createVolunteerActivity")
    assert codes(p) == ["INVALID_INPUT"] and p["activity"] is None
    body = await client(
        'query($c: ID!) { volunteerStats(areaId: $c, from: "0001-01-01", to: "9999-12-31") { volunteerCount } '
        'volunteerLeaderboard(areaId: $c, to: "9999-12-31") { hours } '
        'area(id: $c) { ... on Community { volunteerStats(to: "9999-12-31") { activityCount } } } '
        'volunteerActivities(filter: {startsFrom: "0001-01-01T00:00:00+05:00", '
        'startsTo: "9999-12-31T23:59:59-05:00"}) { totalCount } }',
        {"c": c1},
        token,
    )
    assert body["data"]["volunteerStats"] == {"volunteerCount": 0}
    assert body["data"]["area"]["volunteerStats"] == {"activityCount": 0}


async def test_nul_characters_are_invalid_input(client):
    """PostgreSQL cannot store NUL in text: refused as INVALID_INPUT, never an internal error."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    c1 = gid_of(w.c1)
    v = await register(client, token, w.residents["zhang"])
    bad = "a\x00b"
    for field, value in (("title", bad), ("description", bad), ("location", bad)):
        p = await call(
            client,
            CREATE_ACTIVITY,
            {"input": {**activity_input(c1), field: value}},
            token,
            "createVolunteerActivity",
        )
        assert codes(p) == ["INVALID_INPUT"] and p["userErrors"][0]["field"] == ["input", field]
    p = await call(client, CREATE_TEAM, {"name": bad, "area": c1}, token, "createVolunteerTeam")
    assert codes(p) == ["INVALID_INPUT"]
    a = await open_activity(client, token, c1)
    p = await call(client, CANCEL, {"a": a, "reason": bad}, token, "cancelVolunteerActivity")
    assert codes(p) == ["INVALID_INPUT"]
    p = await call(
        client, REGISTER, {"r": gid_of(w.residents["zhang_wife"]), "s": [bad]}, token, "registerVolunteer"
    )
    assert codes(p) == ["INVALID_INPUT"]
    p = await call(
        client,
        LOG,
        {"input": {"volunteerId": v, "servedOn": clock.today().isoformat(), "hours": 1, "description": bad}},
        token,
        "logService",
    )
    assert codes(p) == ["INVALID_INPUT"]
    for filt in ("search", "skill"):
        body = await client(
            "query($s: String) { volunteers(filter: {" + filt + ": $s}) { totalCount } }",
            {"s": bad},
            token,
            errors_ok=True,
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_lone_surrogates_are_invalid_input(client):
    """JSON may escape a lone surrogate (\\ud800) that no database encoding holds: INVALID_INPUT on both databases."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    c1 = gid_of(w.c1)
    lone = "@LONE@"

    async def post(query: str, variables: dict) -> dict:
        body = json.dumps({"query": query, "variables": variables}).replace(lone, "\\ud800")
        resp = await client.http.post(
            "/graphql",
            content=body.encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    v = await register(client, token, w.residents["zhang"])
    for field in ("title", "description", "location"):
        body = await post(CREATE_ACTIVITY, {"input": {**activity_input(c1), field: f"a{lone}b"}})
        p = body["data"]["createVolunteerActivity"]
        assert codes(p) == ["INVALID_INPUT"] and p["userErrors"][0]["field"] == ["input", field], body
    body = await post(CREATE_TEAM, {"name": f"a{lone}", "area": c1})
    assert codes(body["data"]["createVolunteerTeam"]) == ["INVALID_INPUT"], body
    body = await post(REGISTER, {"r": gid_of(w.residents["zhang_wife"]), "s": [lone]})
    assert codes(body["data"]["registerVolunteer"]) == ["INVALID_INPUT"], body
    body = await post(
        LOG,
        {"input": {"volunteerId": v, "servedOn": clock.today().isoformat(), "hours": 1, "description": lone}},
    )
    assert codes(body["data"]["logService"]) == ["INVALID_INPUT"], body
    a = await open_activity(client, token, c1)
    body = await post(CANCEL, {"a": a, "reason": lone})
    assert codes(body["data"]["cancelVolunteerActivity"]) == ["INVALID_INPUT"], body
    for filt in ("search", "skill"):
        body = await post(
            "query($s: String) { volunteers(filter: {" + filt + ": $s}) { totalCount } }", {"s": lone}
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body


async def test_hours_are_checked_as_they_are_kept(client):
    """Hours are kept to two decimals: a log of 0.001 h would be kept as 0 h, so it is out of range."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    v = await register(client, token, w.residents["zhang"])
    today = clock.today().isoformat()
    tiny = await call(
        client,
        LOG,
        {"input": {"volunteerId": v, "servedOn": today, "hours": 0.001, "description": "x"}},
        token,
        "logService",
    )
    assert codes(tiny) == ["OUT_OF_RANGE"]
    fine = await ok(
        client,
        LOG,
        {"input": {"volunteerId": v, "servedOn": today, "hours": 0.006, "description": "x"}},
        token,
        "logService",
    )
    assert fine["serviceLog"]["hours"] == 0.01


async def test_huge_search_terms_are_invalid_input(client):
    """As core's filters: a term longer than anything worth searching for (SQLite would refuse the LIKE pattern)."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    for filt in ("search", "skill"):
        body = await client(
            "query($s: String) { volunteers(filter: {" + filt + ": $s}) { totalCount } }",
            {"s": "志" * 60000},
            token,
            errors_ok=True,
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body


async def test_stats_for_a_past_period_count_the_volunteers_who_served_then(client):
    """Hours logged for last spring by volunteers registered today: the figures of that period show them."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    spring = clock.today() - dt.timedelta(days=200)
    for resident in (w.residents["zhang"], w.residents["zhang_wife"]):
        v = await register(client, token, resident)
        log = (
            await ok(
                client,
                LOG,
                {
                    "input": {
                        "volunteerId": v,
                        "servedOn": spring.isoformat(),
                        "hours": 2,
                        "description": "义务理发",
                    }
                },
                token,
                "logService",
            )
        )["serviceLog"]
        await ok(client, VERIFY_LOG, {"id": log["id"]}, token, "verifyServiceLog")
    period = {
        "a": gid_of(w.c1),
        "from": (spring - dt.timedelta(days=10)).isoformat(),
        "to": (spring + dt.timedelta(days=10)).isoformat(),
    }
    stats = (
        await client.data(
            "query($a: ID!, $from: Date, $to: Date) { volunteerStats(areaId: $a, from: $from, "
            "to: $to) { volunteerCount activeVolunteerCount activityCount verifiedHours } }",
            period,
            token,
        )
    )["volunteerStats"]
    assert stats == {"volunteerCount": 2, "activeVolunteerCount": 2, "activityCount": 0, "verifiedHours": 4.0}


SET_LEADER = """mutation($t: ID!, $v: ID!) { setVolunteerTeamLeader(teamId: $t, volunteerId: $v) {
  team { id leader { id } memberCount } userErrors { code field } } }"""


async def test_a_new_leader_is_chosen_among_the_members(client):
    """After the leader leaves, a coordinator chooses another; a leader must be a member."""
    w = await world_with_coordinator()
    token = w.tokens["coord"]
    zhang = await register(client, token, w.residents["zhang"])
    wife = await register(client, token, w.residents["zhang_wife"])
    team = (
        await ok(
            client,
            CREATE_TEAM,
            {"name": "学雷锋队", "area": gid_of(w.c1), "leader": zhang},
            token,
            "createVolunteerTeam",
        )
    )["team"]["id"]
    not_member = await call(client, SET_LEADER, {"t": team, "v": wife}, token, "setVolunteerTeamLeader")
    assert codes(not_member) == ["INVALID_TARGET"] and not_member["userErrors"][0]["field"] == ["volunteerId"]
    await ok(client, JOIN_TEAM, {"t": team, "v": wife}, token, "joinVolunteerTeam")
    resident = await call(
        client, SET_LEADER, {"t": team, "v": wife}, w.tokens["resident"], "setVolunteerTeamLeader"
    )
    assert codes(resident) == ["FORBIDDEN"]
    chosen = await ok(client, SET_LEADER, {"t": team, "v": wife}, token, "setVolunteerTeamLeader")
    assert chosen["team"]["leader"]["id"] == wife and chosen["team"]["memberCount"] == 2
