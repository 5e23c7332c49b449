"""Notifications (meeting planned, action item assigned, overdue once), organisations' users
through lastmile_organization_users, and the deliberationTopicUpdated subscription."""

from __future__ import annotations

import datetime as dt
import types

from core import models as m
from core.api.relay import gid_of
from core.hookspecs import hookimpl
from core.testing import TEST_PLUGINS, GraphQLClient, build_test_app, run_scheduled_job, subscribe
from plugins.deliberation.models import ActionItem
from plugins.deliberation.tests.helpers import (
    COMPLETE,
    SUPPORT,
    call,
    decide,
    delib_world,
    held_meeting_with,
    ok,
    plan,
    raise_topic,
    refused,
)

NOTES = "{ myNotifications { edges { node { kind title subject { id } } } } }"
MINE = "{ myActionItems { id description status overdue ownerOrganization { name } } }"
# {organisation id: user ids}, what the test plugin answers for (filled by each test).
LIAISONS: dict[int, list[int]] = {}


def _liaisons_plugin():
    module = types.ModuleType("orgpeople")
    module.NAME = "orgpeople"
    module.lastmile_organization_users = hookimpl(
        lambda organization_ids: {i: LIAISONS[i] for i in organization_ids if i in LIAISONS}
    )
    return module


APP = None


def app_with_liaisons():
    global APP
    if APP is None:
        APP = build_test_app(
            list(TEST_PLUGINS) if TEST_PLUGINS is not None else None, extra_modules=[_liaisons_plugin()]
        )
    return APP


async def kinds(client, token) -> list[tuple[str, str]]:
    edges = (await client.data(NOTES, None, token))["myNotifications"]["edges"]
    return [(e["node"]["kind"], (e["node"]["subject"] or {}).get("id")) for e in edges]


async def test_planning_notifies_participants_with_accounts(client):
    w = await delib_world()
    meeting = await plan(client, w)
    # The chair's account (c1_worker) and zhang's (the resident representative, via the "resident" account).
    assert ("deliberation.meeting", meeting["id"]) in await kinds(client, w.tokens["c1_worker"])
    assert ("deliberation.meeting", meeting["id"]) in await kinds(client, w.tokens["resident"])
    assert await kinds(client, w.tokens["li"]) == []
    # The resident representative sits at the table with their account.
    representative = next(p for p in meeting["participants"] if p["category"] == "RESIDENT_REPRESENTATIVE")
    assert representative["user"] == {"id": gid_of(w.users["resident"])} and representative["resident"]


async def test_owners_hear_of_action_items_and_organisations_users_complete_them(client):
    w = await delib_world()
    LIAISONS.clear()
    LIAISONS[w.power.id] = [w.users["liaison"].id]
    async with GraphQLClient(app_with_liaisons()) as c:
        topic = await raise_topic(c, w)
        meeting = await held_meeting_with(c, w, topic["id"])
        items = [
            {"description": "迁改线缆", "ownerOrganizationId": gid_of(w.power), "dueOn": "2026-06-01"},
            {"description": "张贴通知", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2099-01-01"},
        ]
        decision = ok(await decide(c, w, meeting["id"], topic["id"], items=items), "meeting")["decisions"][0]
        power_item, owner_item = (i["id"] for i in decision["actionItems"])
        # The liaison hears of it (the item is theirs to complete, listed in myActionItems).
        assert [k for k, _ in await kinds(c, w.tokens["liaison"])] == ["deliberation.action"]
        assert ("deliberation.action", owner_item) in await kinds(c, w.tokens["owner"])
        assert [i["id"] for i in (await c.data(MINE, None, w.tokens["liaison"]))["myActionItems"]] == [
            power_item
        ]
        mine = (await c.data(MINE, None, w.tokens["owner"]))["myActionItems"]
        assert [(i["id"], i["overdue"]) for i in mine] == [(owner_item, False)]
        # Another account does not act for the utility.
        refused(
            await call(c, COMPLETE, {"id": power_item}, w.tokens["wang"], "completeActionItem"),
            "actionItem",
            "NOT_FOUND",
        )
        ok(
            await call(c, COMPLETE, {"id": power_item}, w.tokens["liaison"], "completeActionItem"),
            "actionItem",
        )
        assert (await c.data(MINE, None, w.tokens["liaison"]))["myActionItems"] == []
    # Without a plugin that knows the utility's people, nobody acts for it.
    LIAISONS.clear()


async def test_an_overdue_action_item_notifies_its_owner_once(client, app_factory):
    w = await delib_world()
    LIAISONS.clear()
    LIAISONS[w.power.id] = [w.users["liaison"].id]
    async with GraphQLClient(app_with_liaisons()) as c:
        topic = await raise_topic(c, w)
        meeting = await held_meeting_with(c, w, topic["id"])
        items = [
            {"description": "修路灯", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2026-03-10"},
            {"description": "迁线缆", "ownerOrganizationId": gid_of(w.power), "dueOn": "2026-03-12"},
            {"description": "还早", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2026-04-01"},
        ]
        ok(await decide(c, w, meeting["id"], topic["id"], items=items), "meeting")
        app = app_with_liaisons()
        march_11 = dt.datetime(2026, 3, 11, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shangjie: the 10th has passed
        assert (await run_scheduled_job(app, "deliberation.overdue", now=march_11)).acted_on == 1
        assert (await run_scheduled_job(app, "deliberation.overdue", now=march_11)).acted_on == 0
        march_20 = dt.datetime(2026, 3, 20, 1, 0, tzinfo=dt.UTC)
        assert (await run_scheduled_job(app, "deliberation.overdue", now=march_20)).acted_on == 1
        assert (await run_scheduled_job(app, "deliberation.overdue", now=march_20)).acted_on == 0
    overdue = await m.Notification.filter(title="议事待办已逾期").values_list("user_id", flat=True)
    assert sorted(overdue) == sorted([w.users["owner"].id, w.users["liaison"].id])
    assert await ActionItem.filter(overdue_notified_at__isnull=False).count() == 2
    LIAISONS.clear()


async def test_topic_changes_stream_to_subscribers_of_the_area_in_scope(client, app_factory):
    w = await delib_world()
    app = app_factory(TEST_PLUGINS)
    query = "subscription($a: ID!) { deliberationTopicUpdated(areaId: $a) { id status supportCount } }"
    async with subscribe(app, query, {"a": gid_of(w.c1)}, token=w.tokens["c1_worker"]) as sub:
        topic = await raise_topic(client, w)
        assert (await sub.next())["data"]["deliberationTopicUpdated"] == {
            "id": topic["id"],
            "status": "RAISED",
            "supportCount": 0,
        }
        ok(await call(client, SUPPORT, {"id": topic["id"]}, w.tokens["li"], "supportTopic"), "topic")
        assert (await sub.next())["data"]["deliberationTopicUpdated"]["supportCount"] == 1
        await plan(client, w, topics=[topic["id"]])
        assert (await sub.next())["data"]["deliberationTopicUpdated"]["status"] == "SCHEDULED"
    # Subscribed at the district, a worker of the other community hears only of topics they may read.
    async with subscribe(app, query, {"a": gid_of(w.district)}, token=w.tokens["c2_worker"]) as sub:
        await raise_topic(client, w, "resident", w.c1, title="看不见的")
        theirs = await raise_topic(client, w, "wang", w.c2, title="中安街的")
        assert (await sub.next())["data"]["deliberationTopicUpdated"]["id"] == theirs["id"]
    # An area the subscriber cannot see: NOT_FOUND.
    async with subscribe(app, query, {"a": gid_of(w.c1)}, token=w.tokens["c2_worker"]) as sub:
        message = await sub.receive()
        # strawberry answers an error raised before the first event as a result carrying errors.
        assert message["type"] == "next" and message["payload"]["data"] is None, message
        assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
