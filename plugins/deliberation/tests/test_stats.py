"""DeliberationStats against hand-computed figures, per area and period, and the fields on core
types batched (no per-row SQL in lists)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.api.relay import gid_of
from core.enums import AreaLevel
from core.testing import count_statements, make_area, make_resident, make_unit
from plugins.deliberation.enums import (
    ActionItemStatus,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    TopicStatus,
)
from plugins.deliberation.models import (
    ActionItem,
    DeliberationDecision,
    DeliberationMeeting,
    DeliberationTopic,
)
from plugins.deliberation.tests.helpers import STATS, delib_world

UTC = dt.UTC
DAY = 86400


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


async def topic(area, status, raised, done_days=None, raised_by=None):
    done = raised + dt.timedelta(days=done_days) if done_days is not None else None
    return await DeliberationTopic.create(
        area_id=area.id,
        **area.lineage(),
        title=f"t{status.value}",
        description="-",
        status=status,
        raised_at=raised,
        done_at=done,
        done_seconds=done_days * DAY if done_days is not None else None,
        raised_by=raised_by,
    )


async def meeting(w, area, kind, status, when, attendance=0):
    return await DeliberationMeeting.create(
        area_id=area.id,
        **area.lineage(),
        title="m",
        kind=kind,
        format=MeetingFormat.OPEN,
        scheduled_at=when,
        status=status,
        chair_id=w.users["c1_worker"].id,
        attendance=attendance,
    )


async def item(w, t, m, status, due):
    d = await DeliberationDecision.get_or_none(topic_id=t.id) or await DeliberationDecision.create(
        topic_id=t.id,
        meeting_id=m.id,
        area_id=t.area_id,
        **t.lineage(),
        text="d",
        votes_for=1,
        votes_against=0,
        abstentions=0,
        adopted=True,
        decided_at=t.raised_at,
    )
    return await ActionItem.create(
        decision_id=d.id,
        topic_id=t.id,
        area_id=t.area_id,
        **t.lineage(),
        description="i",
        owner_user_id=w.users["owner"].id,
        due_on=due,
        status=status,
    )


async def fixture():
    w = await delib_world()
    c1, cp = w.c1, w.compound1
    jan = at(2026, 1, 10)
    await topic(cp, TopicStatus.DONE, jan, 2)
    await topic(c1, TopicStatus.DONE, jan, 4)
    await topic(cp, TopicStatus.DECLINED, jan)
    await topic(cp, TopicStatus.RAISED, jan)
    decided = await topic(cp, TopicStatus.DECIDED, at(2026, 1, 31, 23, 59))
    await topic(cp, TopicStatus.DONE, at(2025, 6, 1), 10)  # before the period
    await topic(w.c2, TopicStatus.DONE, jan, 1)  # another community
    m1 = await meeting(w, cp, MeetingKind.SMALL_BENCH, MeetingStatus.HELD, at(2026, 1, 10), 12)
    await meeting(w, c1, MeetingKind.COORDINATION, MeetingStatus.HELD, at(2026, 1, 20), 8)
    await meeting(w, c1, MeetingKind.RESIDENTS_COUNCIL, MeetingStatus.PLANNED, at(2026, 1, 25))
    await meeting(w, cp, MeetingKind.SMALL_BENCH, MeetingStatus.CANCELLED, at(2026, 1, 5))
    await meeting(w, c1, MeetingKind.SMALL_BENCH, MeetingStatus.HELD, at(2025, 12, 31, 23), 5)  # before
    await meeting(w, w.c2, MeetingKind.SMALL_BENCH, MeetingStatus.HELD, at(2026, 1, 10), 30)
    await item(w, decided, m1, ActionItemStatus.OPEN, dt.date(2026, 2, 1))  # overdue by now
    await item(w, decided, m1, ActionItemStatus.OPEN, dt.date(2099, 1, 1))
    await item(w, decided, m1, ActionItemStatus.DONE, dt.date(2026, 1, 1))
    return w


async def test_figures_per_area_and_period(client):
    w = await fixture()
    period = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
    s = (await client.data(STATS, {"a": gid_of(w.c1), **period}, w.tokens["c1_worker"]))["deliberationStats"]
    assert s == {
        "meetingsHeld": 2,
        "meetingsByKind": [{"kind": "SMALL_BENCH", "count": 1}, {"kind": "COORDINATION", "count": 1}],
        "attendance": 20,
        "topicsRaised": 5,
        "topicsDone": 2,
        "topicsDeclined": 1,
        "handledRate": 0.6,
        "resolvedRate": 0.4,
        "averageDaysToDone": 3.0,
        "actionItemsOpen": 2,
        "actionItemsOverdue": 1,
    }
    every = (await client.data(STATS, {"a": gid_of(w.c1)}, w.tokens["c1_worker"]))["deliberationStats"]
    assert (every["meetingsHeld"], every["attendance"], every["topicsRaised"], every["topicsDone"]) == (
        3,
        25,
        6,
        3,
    )
    assert every["averageDaysToDone"] == pytest.approx(16 / 3)
    assert every["handledRate"] == pytest.approx(4 / 6)
    compound = (await client.data(STATS, {"a": gid_of(w.compound1), **period}, w.tokens["c1_worker"]))[
        "deliberationStats"
    ]
    assert (compound["meetingsHeld"], compound["topicsRaised"], compound["topicsDone"]) == (1, 4, 1)
    # The subdistrict adds the other community; its worker sees only theirs; no topics: null rates.
    s1 = (await client.data(STATS, {"a": gid_of(w.s1), **period}, w.tokens["s1_manager"]))[
        "deliberationStats"
    ]
    assert (s1["meetingsHeld"], s1["attendance"], s1["topicsRaised"], s1["topicsDone"]) == (3, 50, 6, 3)
    other = (await client.data(STATS, {"a": gid_of(w.s1), **period}, w.tokens["c2_worker"]))[
        "deliberationStats"
    ]
    assert (other["meetingsHeld"], other["topicsRaised"], other["topicsDone"]) == (1, 1, 1)
    empty = (await client.data(STATS, {"a": gid_of(w.c3)}, w.tokens["super"]))["deliberationStats"]
    assert (
        empty["handledRate"] is None and empty["resolvedRate"] is None and empty["averageDaysToDone"] is None
    )
    assert empty["meetingsByKind"] == []
    bad = await client(
        STATS,
        {"a": gid_of(w.c1), "from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        w.tokens["c1_worker"],
        errors_ok=True,
    )
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


COMMUNITIES = """{ communities { edges { node { name
  charter { complete rules { version } venue { name } history { version } }
  deliberationStats { topicsRaised meetingsHeld handledRate }
  compounds { edges { node { name charter { complete covenant { version } } } } } } } } }"""


async def test_community_fields_match_the_root_field_and_are_batched(client):
    w = await fixture()
    rows = (await client.data(COMMUNITIES, None, w.tokens["super"]))["communities"]["edges"]
    by_name = {r["node"]["name"]: r["node"] for r in rows}
    assert by_name["三湾街社区"]["deliberationStats"] == {
        "topicsRaised": 6,
        "meetingsHeld": 3,
        "handledRate": pytest.approx(4 / 6),
    }
    assert by_name["中安街社区"]["deliberationStats"]["topicsRaised"] == 1
    await client.data(COMMUNITIES, None, w.tokens["super"])
    with count_statements() as sql:
        await client.data(COMMUNITIES, None, w.tokens["super"])
    few = len(sql)
    for i in range(6):
        c = await make_area(AreaLevel.COMMUNITY, f"新社区{i}", w.s2)
        cp = await make_area(AreaLevel.COMPOUND, f"新小区{i}", c)
        await topic(c, TopicStatus.RAISED, at(2026, 3, 1))
        await meeting(w, cp, MeetingKind.SMALL_BENCH, MeetingStatus.HELD, at(2026, 3, 1), 3)
    with count_statements() as sql:
        rows = (await client.data(COMMUNITIES, None, w.tokens["super"]))["communities"]["edges"]
    assert len(rows) == 9 and len(sql) == few


RAISED = """query($c: ID!) { community: node(id: $c) { ... on Community { residents { edges { node { name
  raisedTopics { totalCount edges { node { title status } } } } } } } } }"""


async def test_resident_raised_topics_are_batched_and_scoped(client):
    w = await delib_world()
    await topic(w.compound1, TopicStatus.RAISED, at(2026, 1, 1), raised_by=w.residents["zhang"])
    await topic(w.compound1, TopicStatus.DONE, at(2026, 1, 2), 1, raised_by=w.residents["zhang"])
    data = (await client.data(RAISED, {"c": gid_of(w.c1)}, w.tokens["c1_worker"]))["community"]["residents"][
        "edges"
    ]
    raised = {r["node"]["name"]: r["node"]["raisedTopics"]["totalCount"] for r in data}
    assert raised == {"张伟": 2, "李娜": 0}
    await client.data(RAISED, {"c": gid_of(w.c1)}, w.tokens["c1_worker"])
    with count_statements() as sql:
        await client.data(RAISED, {"c": gid_of(w.c1)}, w.tokens["c1_worker"])
    few = len(sql)
    unit = await make_unit(w.building1, "2-201")
    for i in range(5):
        r = await make_resident(unit, f"居民{i}")
        await topic(w.compound1, TopicStatus.RAISED, at(2026, 2, 1), raised_by=r)
    with count_statements() as sql:
        data = (await client.data(RAISED, {"c": gid_of(w.c1)}, w.tokens["c1_worker"]))["community"][
            "residents"
        ]["edges"]
    assert len(data) == 7 and len(sql) == few
