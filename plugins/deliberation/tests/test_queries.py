"""Lists with nested parts cost a bounded number of statements, not one per row."""

from __future__ import annotations

from core.api.relay import gid_of
from core.testing import count_statements
from plugins.deliberation.tests.helpers import (
    MEETING_FIELDS,
    TOPIC_FIELDS,
    decide,
    delib_world,
    held_meeting_with,
    ok,
    raise_topic,
)

MEETINGS = f"{{ deliberationMeetings(first: 10) {{ totalCount edges {{ node {{ {MEETING_FIELDS} }} }} }} }}"
TOPICS = f"{{ deliberationTopics(first: 10) {{ totalCount edges {{ node {{ {TOPIC_FIELDS} }} }} }} }}"
MINE = "{ myActionItems(first: 10) { id description dueOn ownerUser { username } } }"


async def _meeting_with_items(client, w, n_items: int) -> None:
    topic = await raise_topic(client, w)
    meeting = await held_meeting_with(client, w, topic["id"])
    items = [
        {"description": f"事项{i}", "ownerUserId": gid_of(w.users["owner"]), "dueOn": "2099-01-01"}
        for i in range(n_items)
    ]
    ok(await decide(client, w, meeting["id"], topic["id"], items=items), "meeting")


async def test_meetings_and_topics_lists_are_batched(client):
    w = await delib_world()
    await _meeting_with_items(client, w, 1)
    tok = w.tokens["c1_worker"]
    for query in (MEETINGS, TOPICS):
        await client.data(query, None, tok)
    with count_statements() as sql:
        await client.data(MEETINGS, None, tok)
    meetings_few = len(sql)
    with count_statements() as sql:
        await client.data(TOPICS, None, tok)
    topics_few = len(sql)
    for _ in range(4):
        await _meeting_with_items(client, w, 3)
    with count_statements() as sql:
        data = (await client.data(MEETINGS, None, tok))["deliberationMeetings"]
    assert data["totalCount"] == 5 and len(sql) == meetings_few
    with count_statements() as sql:
        topics = (await client.data(TOPICS, None, tok))["deliberationTopics"]
    assert topics["totalCount"] == 5 and len(sql) == topics_few
    mine = (await client.data(MINE, None, w.tokens["owner"]))["myActionItems"]
    assert len(mine) == 10 and all(i["ownerUser"]["username"] == "owner" for i in mine)
