"""Activities record their audience; VolunteerStats gives sessions and attendance by category
(the report's "200+ lecture sessions, 30,000+ people educated")."""

from core.api.relay import gid_of
from plugins.volunteers.tests.helpers import (
    CREATE_ACTIVITY,
    activity_input,
    call,
    codes,
    ok,
    open_activity,
    world_with_coordinator,
)

RECORD = """mutation($a: ID!, $n: Int!) { recordActivityAudience(activityId: $a, audienceCount: $n) {
  activity { id audienceCount } userErrors { code field } } }"""
CANCEL = """mutation($a: ID!) { cancelVolunteerActivity(activityId: $a, reason: "停电") { userErrors { code } } }"""
STATS = """query($a: ID!) { volunteerStats(areaId: $a) { activityCount attendance
  byCategory { category sessions attendance } } }"""


async def test_audience_is_recorded_and_counted_by_category(client):
    w = await world_with_coordinator()
    tok = w.tokens["coord"]
    c1 = gid_of(w.c1)
    lecture = await open_activity(client, tok, c1, starts=-3, category="EDUCATION", title="道德讲堂")
    lecture2 = await open_activity(client, tok, c1, starts=-50, category="EDUCATION", title="社区学院")
    festival = await open_activity(client, tok, c1, starts=-2, category="FESTIVAL", title="端午")
    patrol = await open_activity(client, tok, c1, starts=-1, category="SAFETY_PATROL", title="巡逻")
    p = await ok(client, RECORD, {"a": lecture, "n": 80}, tok, "recordActivityAudience")
    assert p["activity"] == {"id": lecture, "audienceCount": 80}
    await ok(client, RECORD, {"a": lecture, "n": 85}, tok, "recordActivityAudience")  # corrected: replaces
    await ok(client, RECORD, {"a": lecture2, "n": 40}, tok, "recordActivityAudience")
    await ok(client, RECORD, {"a": festival, "n": 120}, tok, "recordActivityAudience")
    del patrol  # held, no audience recorded: a session with attendance 0
    stats = (await client.data(STATS, {"a": c1}, tok))["volunteerStats"]
    assert stats["activityCount"] == 4 and stats["attendance"] == 245
    # In enum order, only categories with activities.
    assert stats["byCategory"] == [
        {"category": "SAFETY_PATROL", "sessions": 1, "attendance": 0},
        {"category": "FESTIVAL", "sessions": 1, "attendance": 120},
        {"category": "EDUCATION", "sessions": 2, "attendance": 125},
    ]
    # The district sees the same figures through the community's subdistrict.
    s1 = (await client.data(STATS, {"a": gid_of(w.s1)}, w.tokens["s1_manager"]))["volunteerStats"]
    assert {r["category"]: r["attendance"] for r in s1["byCategory"]}["EDUCATION"] == 125


async def test_audience_only_for_held_activities_by_their_organisers(client):
    w = await world_with_coordinator()
    tok = w.tokens["coord"]
    future = await open_activity(client, tok, gid_of(w.c1), starts=24, category="EDUCATION")
    p = await call(client, RECORD, {"a": future, "n": 10}, tok, "recordActivityAudience")
    assert codes(p) == ["INVALID_TRANSITION"]
    past = await open_activity(client, tok, gid_of(w.c1), starts=-2, category="EDUCATION")
    assert codes(await call(client, RECORD, {"a": past, "n": -1}, tok, "recordActivityAudience")) == [
        "INVALID_INPUT"
    ]
    assert codes(await call(client, RECORD, {"a": past, "n": 10**7}, tok, "recordActivityAudience")) == [
        "INVALID_INPUT"
    ]
    # Someone without volunteers.manage over the activity's area may not, and sees no change.
    refused = await call(
        client, RECORD, {"a": past, "n": 10}, w.tokens["c2_worker"], "recordActivityAudience"
    )
    assert codes(refused) in (["NOT_FOUND"], ["FORBIDDEN"])
    cancelled = (
        await ok(
            client,
            CREATE_ACTIVITY,
            {"input": activity_input(gid_of(w.c1), starts=-5)},
            tok,
            "createVolunteerActivity",
        )
    )["activity"]["id"]
    await ok(client, CANCEL, {"a": cancelled}, tok, "cancelVolunteerActivity")
    assert codes(await call(client, RECORD, {"a": cancelled, "n": 5}, tok, "recordActivityAudience")) == [
        "INVALID_TRANSITION"
    ]
    stats = (await client.data(STATS, {"a": gid_of(w.c1)}, tok))["volunteerStats"]
    assert stats["attendance"] == 0
