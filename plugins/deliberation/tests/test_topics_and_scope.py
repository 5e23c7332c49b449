"""Residents raise and support topics where they live; staff act within their scope; out of
scope reads as null / NOT_FOUND and is never counted."""

from __future__ import annotations

from core.api.relay import gid_of
from plugins.deliberation.tests.helpers import (
    CHARTER_FIELDS,
    MEETING,
    RAISE,
    STATS,
    SUPPORT,
    TOPIC,
    TOPICS,
    WITHDRAW,
    call,
    delib_world,
    ok,
    plan,
    raise_topic,
    refused,
)


async def test_residents_raise_topics_in_their_own_compound_or_community_only(client):
    w = await delib_world()
    in_compound = await raise_topic(client, w, "resident", w.compound1)
    in_community = await raise_topic(client, w, "resident", w.c1)
    assert in_compound["area"]["name"] == "幸福小区" and in_community["area"]["name"] == "三湾街社区"
    # Not in another community (which they cannot see), nor at a level where nothing is deliberated.
    data = {"areaId": gid_of(w.c2), "title": "x", "description": "y"}
    refused(
        await call(client, RAISE, {"input": data}, w.tokens["resident"], "raiseTopic"), "topic", "NOT_FOUND"
    )
    data["areaId"] = gid_of(w.building1)
    refused(
        await call(client, RAISE, {"input": data}, w.tokens["resident"], "raiseTopic"),
        "topic",
        "INVALID_LEVEL",
    )
    # A compound's number as a Community id names nothing.
    data["areaId"] = gid_of(w.compound1).replace(gid_of(w.compound1), _as_community(w.compound1.id))
    refused(
        await call(client, RAISE, {"input": data}, w.tokens["resident"], "raiseTopic"), "topic", "NOT_FOUND"
    )
    # Staff raise for the area, without a resident behind it.
    staff = await raise_topic(client, w, "c1_grid", w.compound1)
    assert staff["raisedBy"] is None
    data["areaId"] = gid_of(w.c1)
    refused(
        await call(client, RAISE, {"input": data}, w.tokens["c2_worker"], "raiseTopic"), "topic", "NOT_FOUND"
    )
    data["title"] = "  "
    refused(
        await call(client, RAISE, {"input": data}, w.tokens["resident"], "raiseTopic"),
        "topic",
        "INVALID_INPUT",
    )


def _as_community(pk: int) -> str:
    from core.ids import encode_gid

    return encode_gid("Community", pk)


async def test_raising_is_idempotent_by_client_mutation_id(client):
    w = await delib_world()
    data = {
        "areaId": gid_of(w.compound1),
        "title": "电动车电瓶被盗",
        "description": "车棚",
        "clientMutationId": "k1",
    }
    first = ok(await call(client, RAISE, {"input": data}, w.tokens["resident"], "raiseTopic"), "topic")
    again = ok(await call(client, RAISE, {"input": data}, w.tokens["resident"], "raiseTopic"), "topic")
    assert first["id"] == again["id"]
    listed = (await client.data(TOPICS, {}, w.tokens["c1_worker"]))["deliberationTopics"]
    assert listed["totalCount"] == 1


async def test_each_resident_supports_once(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    one = ok(await call(client, SUPPORT, {"id": topic["id"]}, w.tokens["resident"], "supportTopic"), "topic")
    assert one["supportCount"] == 1 and one["supportedByMe"] is True
    refused(
        await call(client, SUPPORT, {"id": topic["id"]}, w.tokens["resident"], "supportTopic"),
        "topic",
        "DUPLICATE",
    )
    two = ok(await call(client, SUPPORT, {"id": topic["id"]}, w.tokens["li"], "supportTopic"), "topic")
    assert two["supportCount"] == 2
    # Staff have no resident behind them; a resident elsewhere does not see the topic.
    refused(
        await call(client, SUPPORT, {"id": topic["id"]}, w.tokens["c1_worker"], "supportTopic"),
        "topic",
        "FORBIDDEN",
    )
    refused(
        await call(client, SUPPORT, {"id": topic["id"]}, w.tokens["wang"], "supportTopic"),
        "topic",
        "NOT_FOUND",
    )
    back = ok(
        await call(client, WITHDRAW, {"id": topic["id"]}, w.tokens["resident"], "withdrawTopicSupport"),
        "topic",
    )
    assert back["supportCount"] == 1 and back["supportedByMe"] is False
    refused(
        await call(client, WITHDRAW, {"id": topic["id"]}, w.tokens["resident"], "withdrawTopicSupport"),
        "topic",
        "INVALID_INPUT",
    )
    seen = (await client.data(TOPIC, {"id": topic["id"]}, w.tokens["li"]))["deliberationTopic"]
    assert seen["supportCount"] == 1 and seen["supportedByMe"] is True
    # Most supported first.
    other = await raise_topic(client, w, title="水质偏硬")
    for tok in ("resident", "li"):
        ok(await call(client, SUPPORT, {"id": other["id"]}, w.tokens[tok], "supportTopic"), "topic")
    ordered = (await client.data(TOPICS, {"o": True}, w.tokens["c1_worker"]))["deliberationTopics"]["edges"]
    assert [e["node"]["id"] for e in ordered] == [other["id"], topic["id"]]


async def test_out_of_scope_topics_and_meetings_are_absent_and_never_counted(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    meeting = await plan(client, w, topics=[topic["id"]])
    for viewer in ("c2_worker", "wang"):
        tok = w.tokens[viewer]
        assert (await client.data(TOPIC, {"id": topic["id"]}, tok))["deliberationTopic"] is None
        assert (await client.data(MEETING, {"id": meeting["id"]}, tok))["deliberationMeeting"] is None
        assert (await client.data(TOPICS, {}, tok))["deliberationTopics"]["totalCount"] == 0
        node = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": topic["id"]}, tok)
        assert node["node"] is None
    # The district sees it through its grants; the topic's residents see where they live.
    for viewer in ("s1_manager", "resident", "li", "c1_grid", "super"):
        assert (await client.data(TOPIC, {"id": topic["id"]}, w.tokens[viewer]))["deliberationTopic"]["id"]
        assert (await client.data(MEETING, {"id": meeting["id"]}, w.tokens[viewer]))["deliberationMeeting"][
            "id"
        ]
    # Stats of an area the viewer cannot see: NOT_FOUND; of the district: only what they may read.
    body = await client(STATS, {"a": gid_of(w.c1)}, w.tokens["c2_worker"], errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    district = (await client.data(STATS, {"a": gid_of(w.district)}, w.tokens["c2_worker"]))[
        "deliberationStats"
    ]
    assert district["topicsRaised"] == 0 and district["handledRate"] is None
    s1 = (await client.data(STATS, {"a": gid_of(w.s1)}, w.tokens["s1_manager"]))["deliberationStats"]
    assert s1["topicsRaised"] == 1
    # A resident reads the raiser of a topic only when they may read that resident (their household here).
    assert (await client.data(TOPIC, {"id": topic["id"]}, w.tokens["li"]))["deliberationTopic"]["raisedBy"][
        "name"
    ] == "张伟"


async def test_staff_act_only_where_they_manage(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    data = {
        "areaId": gid_of(w.compound1),
        "title": "t",
        "kind": "SMALL_BENCH",
        "format": "OPEN",
        "scheduledAt": "2026-05-01T10:00:00Z",
        "topicIds": [topic["id"]],
    }
    from plugins.deliberation.tests.helpers import DECLINE, PLAN

    refused(
        await call(client, PLAN, {"input": data}, w.tokens["c2_worker"], "planMeeting"),
        "meeting",
        "NOT_FOUND",
    )
    refused(
        await call(client, PLAN, {"input": data}, w.tokens["c1_grid"], "planMeeting"), "meeting", "FORBIDDEN"
    )
    refused(
        await call(client, PLAN, {"input": data}, w.tokens["resident"], "planMeeting"), "meeting", "FORBIDDEN"
    )
    refused(
        await call(client, DECLINE, {"id": topic["id"], "r": "no"}, w.tokens["resident"], "declineTopic"),
        "topic",
        "FORBIDDEN",
    )
    refused(
        await call(client, DECLINE, {"id": topic["id"], "r": "no"}, w.tokens["c2_worker"], "declineTopic"),
        "topic",
        "NOT_FOUND",
    )
    ok(await call(client, PLAN, {"input": data}, w.tokens["s1_manager"], "planMeeting"), "meeting")
    unauth = await client(PLAN, {"input": data}, errors_ok=True)
    assert unauth["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert CHARTER_FIELDS  # imported for the charter tests' shape
