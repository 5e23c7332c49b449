"""Leaderboard ranking and ties, statistics per area and period, batched community stats."""

from __future__ import annotations

import datetime as dt

from core import clock
from core.enums import AreaLevel
from core.testing import build_world, count_statements, make_area, make_resident
from plugins.volunteers.tests.helpers import (
    CANCEL,
    CHECK_IN,
    CHECK_OUT,
    CREATE_ACTIVITY,
    VERIFY,
    activity_input,
    gid_of,
    ok,
    open_activity,
    register,
    sign_up,
)

LOG = """mutation($input: LogServiceInput!) { logService(input: $input) { serviceLog { id } userErrors { code } } }"""
VERIFY_LOG = (
    "mutation($id: ID!) { verifyServiceLog(serviceLogId: $id) { serviceLog { id } userErrors { code } } }"
)
BOARD = """query($a: ID!, $from: Date, $to: Date, $first: Int) {
  volunteerLeaderboard(areaId: $a, from: $from, to: $to, first: $first) { rank hours volunteer { id } } }"""
STATS = """query($a: ID!, $from: Date, $to: Date) { volunteerStats(areaId: $a, from: $from, to: $to) {
  volunteerCount activeVolunteerCount activityCount verifiedHours } }"""

TODAY = clock.today()
FROM = (TODAY - dt.timedelta(days=10)).isoformat()
TO = TODAY.isoformat()


async def _log(client, token, volunteer, hours, served=TODAY, verify=True):
    p = await ok(
        client,
        LOG,
        {
            "input": {
                "volunteerId": volunteer,
                "servedOn": served.isoformat(),
                "hours": hours,
                "description": "巡逻",
            }
        },
        token,
        "logService",
    )
    if verify:
        await ok(client, VERIFY_LOG, {"id": p["serviceLog"]["id"]}, token, "verifyServiceLog")


async def _served(client, token, activity, volunteer, hours):
    s = await sign_up(client, token, activity, volunteer)
    await ok(client, CHECK_IN, {"s": s["id"]}, token, "checkIn")
    await ok(client, CHECK_OUT, {"s": s["id"]}, token, "checkOut")
    await ok(client, VERIFY, {"s": s["id"], "h": hours}, token, "verifySignupHours")


async def _scene(client):
    w = await build_world()
    su = w.tokens["super"]
    a_res = await make_resident(w.unit1, "陈静")
    b_res = await make_resident(w.unit1, "赵磊")
    v = {
        "zhang": await register(client, su, w.residents["zhang"]),
        "wife": await register(client, su, w.residents["zhang_wife"]),
        "a": await register(client, su, a_res),
        "b": await register(client, su, b_res),
        "wang": await register(client, su, w.residents["wang"]),
    }
    await _log(client, su, v["zhang"], 3)
    await _log(client, su, v["zhang"], 2, TODAY - dt.timedelta(days=9))
    await _log(client, su, v["wife"], 5)
    await _log(client, su, v["a"], 3)
    await _log(client, su, v["a"], 4, verify=False)
    await _log(client, su, v["b"], 6, TODAY - dt.timedelta(days=30))
    await _log(client, su, v["wang"], 10)
    recent = await open_activity(client, su, gid_of(w.c1), starts=-1, length=3)
    await _served(client, su, recent, v["a"], 2)
    old = await open_activity(client, su, gid_of(w.c1), starts=-40 * 24, length=8)
    await _served(client, su, old, v["b"], 7)
    cancelled = await open_activity(client, su, gid_of(w.c1), starts=-2, length=1)
    await ok(client, CANCEL, {"a": cancelled, "reason": "停电"}, su, "cancelVolunteerActivity")
    await ok(
        client,
        CREATE_ACTIVITY,
        {"input": activity_input(gid_of(w.c2), starts=-3)},
        su,
        "createVolunteerActivity",
    )
    await ok(
        client,
        "mutation($v: ID!) { setVolunteerStatus(volunteerId: $v, status: SUSPENDED) { userErrors { code } } }",
        {"v": v["b"]},
        su,
        "setVolunteerStatus",
    )
    return w, v


def _board(data):
    return [(r["rank"], r["volunteer"]["id"], r["hours"]) for r in data["volunteerLeaderboard"]]


async def test_leaderboard_ranks_ties_and_period(client):
    w, v = await _scene(client)
    su = w.tokens["super"]
    c1 = await client.data(BOARD, {"a": gid_of(w.c1), "from": FROM, "to": TO}, su)
    # Three-way tie at 5 h shares rank 1, ordered by volunteer id; unverified and out-of-period hours don't count.
    assert _board(c1) == [(1, v["zhang"], 5.0), (1, v["wife"], 5.0), (1, v["a"], 5.0)]

    s1 = await client.data(BOARD, {"a": gid_of(w.s1), "from": FROM, "to": TO}, su)
    assert _board(s1) == [(1, v["wang"], 10.0), (2, v["zhang"], 5.0), (2, v["wife"], 5.0), (2, v["a"], 5.0)]
    top2 = await client.data(BOARD, {"a": gid_of(w.s1), "from": FROM, "to": TO, "first": 2}, su)
    assert _board(top2) == [(1, v["wang"], 10.0), (2, v["zhang"], 5.0)]

    all_time = await client.data(BOARD, {"a": gid_of(w.c1)}, su)
    assert _board(all_time) == [
        (1, v["b"], 13.0),
        (2, v["zhang"], 5.0),
        (2, v["wife"], 5.0),
        (2, v["a"], 5.0),
    ]

    # Only the old activity's day: signups count on their activity's start date.
    old_day = (TODAY - dt.timedelta(days=40)).isoformat()
    assert _board(await client.data(BOARD, {"a": gid_of(w.c1), "from": old_day, "to": old_day}, su)) == [
        (1, v["b"], 7.0)
    ]

    c3 = await client.data(BOARD, {"a": gid_of(w.c3)}, su)
    assert c3["volunteerLeaderboard"] == []
    bad = await client(BOARD, {"a": gid_of(w.c1), "from": TO, "to": FROM}, su, errors_ok=True)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    hidden = await client(BOARD, {"a": gid_of(w.c1)}, w.tokens["c2_worker"], errors_ok=True)
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_stats_per_area_and_period(client):
    w, v = await _scene(client)
    su = w.tokens["super"]
    c1 = (await client.data(STATS, {"a": gid_of(w.c1), "from": FROM, "to": TO}, su))["volunteerStats"]
    assert c1 == {"volunteerCount": 4, "activeVolunteerCount": 3, "activityCount": 1, "verifiedHours": 15.0}
    s1 = (await client.data(STATS, {"a": gid_of(w.s1), "from": FROM, "to": TO}, su))["volunteerStats"]
    assert s1 == {"volunteerCount": 5, "activeVolunteerCount": 4, "activityCount": 2, "verifiedHours": 25.0}
    board = await client.data(BOARD, {"a": gid_of(w.s1), "from": FROM, "to": TO, "first": 100}, su)
    assert sum(r["hours"] for r in board["volunteerLeaderboard"]) == s1["verifiedHours"]
    all_time = (await client.data(STATS, {"a": gid_of(w.c1)}, su))["volunteerStats"]
    assert all_time == {
        "volunteerCount": 4,
        "activeVolunteerCount": 3,
        "activityCount": 2,
        "verifiedHours": 28.0,
    }
    # The period applies to activities and hours; volunteers are counted as registered now.
    before = (TODAY - dt.timedelta(days=1)).isoformat()
    earlier = (await client.data(STATS, {"a": gid_of(w.c1), "to": before}, su))["volunteerStats"]
    assert (earlier["volunteerCount"], earlier["activeVolunteerCount"]) == (4, 3)
    # A community worker of c1 sees the district's figures only for what lies in c1.
    scoped = (
        await client.data(STATS, {"a": gid_of(w.district), "from": FROM, "to": TO}, w.tokens["c1_worker"])
    )["volunteerStats"]
    assert scoped == c1


COMMUNITY_STATS = """query($from: Date, $to: Date) { communities { edges { node { name
  volunteerStats(from: $from, to: $to) { volunteerCount activeVolunteerCount activityCount verifiedHours } } } } }"""


async def test_community_stats_are_batched(client):
    w, v = await _scene(client)
    su = w.tokens["super"]
    with count_statements() as before:
        data = await client.data(COMMUNITY_STATS, {"from": FROM, "to": TO}, su)
    by_name = {e["node"]["name"]: e["node"]["volunteerStats"] for e in data["communities"]["edges"]}
    assert by_name["三湾街社区"]["verifiedHours"] == 15.0 and by_name["中安街社区"]["verifiedHours"] == 10.0
    assert by_name["金昌社区"] == {
        "volunteerCount": 0,
        "activeVolunteerCount": 0,
        "activityCount": 0,
        "verifiedHours": 0.0,
    }
    for i in range(4):
        await make_area(AreaLevel.COMMUNITY, f"新社区{i}", w.s2)
    with count_statements() as after:
        data = await client.data(COMMUNITY_STATS, {"from": FROM, "to": TO}, su)
    assert len(data["communities"]["edges"]) == 7
    assert len(after) == len(before)
