"""Supports and moves under concurrent requests (PostgreSQL, where they really run in parallel
transactions; SQLite serialises writers)."""

from __future__ import annotations

import asyncio

import pytest

from core.api.relay import gid_of
from core.testing import make_resident, make_unit, make_user, token_for
from plugins.deliberation.models import DeliberationTopic, TopicSupport
from plugins.deliberation.tests.helpers import (
    COMPLETE,
    DECLINE,
    SUPPORT,
    decide,
    delib_world,
    held_meeting_with,
    ok,
    raise_topic,
)


@pytest.fixture
def postgres_only(on_postgres):
    if not on_postgres:
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")


async def test_support_count_is_exact_under_concurrent_supports(client, postgres_only):
    w = await delib_world()
    topic = await raise_topic(client, w)
    unit = await make_unit(w.building1, "9-901")
    tokens = []
    for i in range(16):
        resident = await make_resident(unit, f"邻居{i}")
        tokens.append(token_for(await make_user(f"neighbour{i}", [("resident", w.c1)], resident=resident)))
    # Every neighbour supports at once, and the first one tries three times more at the same moment.
    calls = [client(SUPPORT, {"id": topic["id"]}, t) for t in tokens] + [
        client(SUPPORT, {"id": topic["id"]}, tokens[0]) for _ in range(3)
    ]
    bodies = await asyncio.gather(*calls)
    codes = sorted((b["data"]["supportTopic"]["userErrors"] or [{"code": "OK"}])[0]["code"] for b in bodies)
    assert codes == ["DUPLICATE"] * 3 + ["OK"] * 16
    row = await DeliberationTopic.get(id=int(_pk(topic["id"])))
    assert row.support_count == 16 == await TopicSupport.filter(topic_id=row.id).count()


async def test_racing_moves_on_one_topic_let_one_win(client, postgres_only):
    w = await delib_world()
    topic = await raise_topic(client, w)
    bodies = await asyncio.gather(
        *(client(DECLINE, {"id": topic["id"], "r": f"r{i}"}, w.tokens["c1_worker"]) for i in range(6))
    )
    codes = sorted((b["data"]["declineTopic"]["userErrors"] or [{"code": "OK"}])[0]["code"] for b in bodies)
    assert codes == ["INVALID_TRANSITION"] * 5 + ["OK"]


async def test_the_last_two_items_done_at_once_make_the_topic_done(client, postgres_only):
    w = await delib_world()
    topic = await raise_topic(client, w)
    meeting = await held_meeting_with(client, w, topic["id"])
    items = [
        {"description": f"事项{i}", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2099-01-01"}
        for i in range(2)
    ]
    decision = ok(await decide(client, w, meeting["id"], topic["id"], items=items), "meeting")["decisions"][0]
    await asyncio.gather(
        *(client(COMPLETE, {"id": i["id"]}, w.tokens["owner"]) for i in decision["actionItems"])
    )
    assert (await DeliberationTopic.get(id=int(_pk(topic["id"])))).status.value == "DONE"


def _pk(gid: str) -> str:
    from core.ids import decode_gid

    return decode_gid(gid)[1]
