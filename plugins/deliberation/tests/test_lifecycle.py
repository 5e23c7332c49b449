"""Topics and meetings through their state machines, quorum, votes and action items to done."""

from __future__ import annotations

from core.api.relay import gid_of
from plugins.deliberation.models import ActionItem, DeliberationDecision, DeliberationTopic
from plugins.deliberation.tests.helpers import (
    CANCEL,
    COMPLETE,
    DECLINE,
    FULL_PANEL,
    HOLD,
    MEETING,
    TOPIC,
    call,
    decide,
    delib_world,
    held_meeting_with,
    hold,
    ok,
    plan,
    raise_topic,
    refused,
)


async def test_a_topic_goes_from_raised_through_decided_to_done(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    assert topic["status"] == "RAISED" and topic["raisedBy"]["name"] == "张伟" and topic["meeting"] is None
    meeting = await plan(client, w, topics=[topic["id"]])
    assert meeting["status"] == "PLANNED" and meeting["missingCategories"] == []
    assert [t["status"] for t in meeting["agenda"]] == ["SCHEDULED"]
    meeting = await hold(client, w, meeting)
    assert meeting["status"] == "HELD" and meeting["heldAt"] and meeting["minutes"] == "议定事项如下"
    items = [
        {"description": "采购垃圾桶", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2026-06-01"},
        {"description": "物业每日清运", "ownerOrganizationId": gid_of(w.property), "dueOn": "2026-06-15"},
    ]
    meeting = ok(await decide(client, w, meeting["id"], topic["id"], votes=(9, 2, 1), items=items), "meeting")
    decision = meeting["decisions"][0]
    assert decision["adopted"] is True and decision["topic"]["status"] == "DECIDED"
    assert [i["status"] for i in decision["actionItems"]] == ["OPEN", "OPEN"]
    first, second = decision["actionItems"]
    done = ok(
        await call(
            client, COMPLETE, {"id": first["id"], "note": "已采购"}, w.tokens["owner"], "completeActionItem"
        ),
        "actionItem",
    )
    assert done["status"] == "DONE" and done["note"] == "已采购"
    assert (await client.data(TOPIC, {"id": topic["id"]}, w.tokens["c1_worker"]))["deliberationTopic"][
        "status"
    ] == "DECIDED"
    ok(
        await call(client, COMPLETE, {"id": second["id"]}, w.tokens["c1_worker"], "completeActionItem"),
        "actionItem",
    )
    after = (await client.data(TOPIC, {"id": topic["id"]}, w.tokens["resident"]))["deliberationTopic"]
    assert after["status"] == "DONE" and after["doneAt"] and after["decision"]["votesFor"] == 9


async def test_adopted_without_action_items_is_done_and_consensus_counts_as_adopted(client):
    w = await delib_world()
    a, b = await raise_topic(client, w, title="A"), await raise_topic(client, w, title="B")
    meeting = await held_meeting_with(client, w, a["id"], b["id"])
    ok(await decide(client, w, meeting["id"], a["id"], votes=(0, 0, 0)), "meeting")
    topic = (await client.data(TOPIC, {"id": a["id"]}, w.tokens["c1_worker"]))["deliberationTopic"]
    assert topic["status"] == "DONE" and topic["decision"]["adopted"] is True
    # Votes tied: not adopted, the topic waits for another meeting.
    ok(await decide(client, w, meeting["id"], b["id"], votes=(3, 3, 1)), "meeting")
    topic = (await client.data(TOPIC, {"id": b["id"]}, w.tokens["c1_worker"]))["deliberationTopic"]
    assert topic["status"] == "RAISED" and topic["decision"]["adopted"] is False and topic["doneAt"] is None
    # ... and can be scheduled again.
    again = await plan(client, w, topics=[b["id"]])
    assert again["agenda"][0]["status"] == "SCHEDULED"


async def test_quorum_is_needed_on_one_six_x_meetings_and_nothing_changes_when_refused(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    planned = await plan(
        client, w, topics=[topic["id"]], categories=[c for c in FULL_PANEL if c != "LEGAL_ADVISER"]
    )
    assert planned["missingCategories"] == ["LEGAL_ADVISER"]
    refused(await decide(client, w, planned["id"], topic["id"]), "meeting", "QUORUM_NOT_MET")
    # Everyone invited except the legal adviser; the supervisory committee (index 2) did not come either.
    held = await hold(client, w, planned, attended=[0, 1, 3, 4, 5])
    assert held["missingCategories"] == ["SUPERVISORY_COMMITTEE", "LEGAL_ADVISER"]
    error = refused(await decide(client, w, held["id"], topic["id"]), "meeting", "QUORUM_NOT_MET")
    assert "SUPERVISORY_COMMITTEE" in error["message"]
    assert await DeliberationDecision.all().count() == 0
    assert (await DeliberationTopic.get(id=int(_pk(topic["id"])))).status.value == "SCHEDULED"
    # A walk-in legal adviser does not make up for the absent committee ...
    planned2 = await plan(client, w, topics=[], categories=FULL_PANEL)
    full = await hold(client, w, planned2, attended=[0, 1, 3, 4, 5, 6])
    assert full["missingCategories"] == ["SUPERVISORY_COMMITTEE"]
    # ... while an OPEN meeting has no panel to wait for.
    open_meeting = await plan(client, w, fmt="OPEN", categories=["CHAIR"])
    assert open_meeting["missingCategories"] == []


async def test_walk_ins_complete_the_panel(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    planned = await plan(
        client, w, topics=[topic["id"]], categories=[c for c in FULL_PANEL if c != "LEGAL_ADVISER"]
    )
    held = await hold(client, w, planned, walk_ins=[{"category": "LEGAL_ADVISER", "name": "王律师"}])
    assert held["missingCategories"] == [] and held["participants"][-1] == {
        "category": "LEGAL_ADVISER",
        "name": "王律师",
        "attended": True,
        "user": None,
        "resident": None,
        "organization": None,
    }
    ok(await decide(client, w, held["id"], topic["id"]), "meeting")


def _pk(gid: str) -> str:
    from core.ids import decode_gid

    return decode_gid(gid)[1]


async def test_refused_moves_are_invalid_transitions_and_change_nothing(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    # A decision needs the topic on a held meeting's agenda.
    other = await raise_topic(client, w, title="其他")
    meeting = await held_meeting_with(client, w, topic["id"])
    error = refused(await decide(client, w, meeting["id"], other["id"]), "meeting", "INVALID_INPUT")
    assert error["field"] == ["input", "topicId"]
    ok(await decide(client, w, meeting["id"], topic["id"]), "meeting")  # adopted, no items: DONE
    tok = w.tokens["c1_worker"]
    refused(
        await call(client, DECLINE, {"id": topic["id"], "r": "x"}, tok, "declineTopic"),
        "topic",
        "INVALID_TRANSITION",
    )
    refused(await decide(client, w, meeting["id"], topic["id"]), "meeting", "INVALID_TRANSITION")
    hold_again = {"meetingId": meeting["id"], "attendedIndexes": [0], "minutes": "again"}
    refused(
        await call(client, HOLD, {"input": hold_again}, tok, "holdMeeting"), "meeting", "INVALID_TRANSITION"
    )
    refused(
        await call(client, CANCEL, {"m": meeting["id"], "r": "x"}, tok, "cancelMeeting"),
        "meeting",
        "INVALID_TRANSITION",
    )
    after = (await client.data(MEETING, {"id": meeting["id"]}, tok))["deliberationMeeting"]
    assert after["status"] == "HELD" and after["minutes"] == "议定事项如下"
    # A planned meeting decides nothing yet.
    third = await raise_topic(client, w, title="第三")
    planned = await plan(client, w, topics=[third["id"]])
    refused(await decide(client, w, planned["id"], third["id"]), "meeting", "INVALID_TRANSITION")
    # Declining a scheduled topic works once; a declined topic cannot be scheduled.
    declined = ok(
        await call(client, DECLINE, {"id": third["id"], "r": "不属于本小区"}, tok, "declineTopic"), "topic"
    )
    assert declined["status"] == "DECLINED" and declined["declineReason"] == "不属于本小区"
    refused(
        await call(client, DECLINE, {"id": third["id"], "r": "x"}, tok, "declineTopic"),
        "topic",
        "INVALID_TRANSITION",
    )
    from plugins.deliberation.tests.helpers import ADD

    fourth = await raise_topic(client, w, title="第四")
    refused(
        await call(client, ADD, {"m": planned["id"], "t": third["id"]}, tok, "addTopicToAgenda"),
        "meeting",
        "INVALID_TRANSITION",
    )
    refused(
        await call(client, ADD, {"m": meeting["id"], "t": fourth["id"]}, tok, "addTopicToAgenda"),
        "meeting",
        "INVALID_TRANSITION",
    )
    added = ok(
        await call(client, ADD, {"m": planned["id"], "t": fourth["id"]}, tok, "addTopicToAgenda"), "meeting"
    )
    assert [t["id"] for t in added["agenda"]] == [third["id"], fourth["id"]]
    refused(
        await call(client, ADD, {"m": planned["id"], "t": fourth["id"]}, tok, "addTopicToAgenda"),
        "meeting",
        "INVALID_TRANSITION",
    )


async def test_cancelling_a_meeting_returns_its_topics_to_raised(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    meeting = await plan(client, w, topics=[topic["id"]])
    cancelled = ok(
        await call(client, CANCEL, {"m": meeting["id"], "r": "下雨"}, w.tokens["c1_worker"], "cancelMeeting"),
        "meeting",
    )
    assert cancelled["status"] == "CANCELLED" and cancelled["agenda"][0]["status"] == "RAISED"
    refused(await decide(client, w, meeting["id"], topic["id"]), "meeting", "INVALID_TRANSITION")
    refused(
        await call(
            client,
            HOLD,
            {"input": {"meetingId": meeting["id"], "attendedIndexes": [], "minutes": "x"}},
            w.tokens["c1_worker"],
            "holdMeeting",
        ),
        "meeting",
        "INVALID_TRANSITION",
    )


async def test_action_items_are_completed_once_by_their_owner_only(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    meeting = await held_meeting_with(client, w, topic["id"])
    items = [{"description": "修理路灯", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2026-06-01"}]
    decision = ok(await decide(client, w, meeting["id"], topic["id"], items=items), "meeting")["decisions"][0]
    item_id = decision["actionItems"][0]["id"]
    # Another resident reads it (their compound's decision) but may not complete it.
    refused(
        await call(client, COMPLETE, {"id": item_id}, w.tokens["li"], "completeActionItem"),
        "actionItem",
        "FORBIDDEN",
    )
    # Someone who cannot read it learns nothing.
    refused(
        await call(client, COMPLETE, {"id": item_id}, w.tokens["c2_worker"], "completeActionItem"),
        "actionItem",
        "NOT_FOUND",
    )
    ok(await call(client, COMPLETE, {"id": item_id}, w.tokens["owner"], "completeActionItem"), "actionItem")
    refused(
        await call(client, COMPLETE, {"id": item_id}, w.tokens["owner"], "completeActionItem"),
        "actionItem",
        "INVALID_TRANSITION",
    )
    assert await ActionItem.filter(status="DONE").count() == 1


async def test_bad_decisions_and_action_items_are_user_errors(client):
    w = await delib_world()
    topic = await raise_topic(client, w)
    meeting = await held_meeting_with(client, w, topic["id"])
    error = refused(
        await decide(client, w, meeting["id"], topic["id"], votes=(-1, 0, 0)), "meeting", "INVALID_INPUT"
    )
    assert error["field"] == ["input", "votesFor"]
    both = [
        {
            "description": "x",
            "ownerUserId": gid_of(w.users["owner"]),
            "ownerOrganizationId": gid_of(w.power),
            "dueOn": "2026-06-01",
        }
    ]
    refused(await decide(client, w, meeting["id"], topic["id"], items=both), "meeting", "INVALID_INPUT")
    unknown = [{"description": "x", "ownerUserId": "VXNlcjo5OTk5", "dueOn": "2026-06-01"}]
    refused(await decide(client, w, meeting["id"], topic["id"], items=unknown), "meeting", "NOT_FOUND")
    down = [{"description": "x", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2026-06-01"}]
    refused(
        await decide(client, w, meeting["id"], topic["id"], votes=(1, 5, 0), items=down),
        "meeting",
        "INVALID_INPUT",
    )
    refused(await decide(client, w, meeting["id"], "bogus"), "meeting", "NOT_FOUND")
    assert await DeliberationDecision.all().count() == 0
    bad_index = {"meetingId": (await plan(client, w))["id"], "attendedIndexes": [99], "minutes": "x"}
    refused(
        await call(client, HOLD, {"input": bad_index}, w.tokens["c1_worker"], "holdMeeting"),
        "meeting",
        "INVALID_INPUT",
    )
