"""GraphQL operations and small builders shared by the plugin's tests."""

from __future__ import annotations

from core import models as m
from core.api.relay import gid_of
from core.enums import OrganizationKind
from core.testing import World, build_world, make_user, token_for

TOPIC_FIELDS = """id title description status raisedAt supportCount supportedByMe declineReason doneAt
  area { id name } raisedBy { id name } meeting { id status }
  decision { id adopted votesFor votesAgainst actionItems { id status } }"""
MEETING_FIELDS = """id title kind format status scheduledAt heldAt minutes missingCategories
  area { id } venue { name address capacity } chair { id username }
  participants { category name attended user { id } resident { id } organization { id name } }
  agenda { id status } decisions { id text adopted votesFor votesAgainst abstentions decidedAt
    topic { id status } meeting { id }
    actionItems { id description dueOn status overdue doneAt note ownerUser { id } ownerOrganization { id } } }"""
CHARTER_FIELDS = """area { id name } complete venue { name address capacity }
  rules { kind version text adoptedOn adoptedAt { id } } covenant { kind version text adoptedOn }
  history { kind version text adoptedOn }"""

ERRORS = "userErrors { field message code }"
RAISE = f"mutation($input: RaiseTopicInput!) {{ raiseTopic(input: $input) {{ topic {{ {TOPIC_FIELDS} }} {ERRORS} }} }}"
SUPPORT = f"mutation($id: ID!) {{ supportTopic(topicId: $id) {{ topic {{ {TOPIC_FIELDS} }} {ERRORS} }} }}"
WITHDRAW = (
    f"mutation($id: ID!) {{ withdrawTopicSupport(topicId: $id) {{ topic {{ {TOPIC_FIELDS} }} {ERRORS} }} }}"
)
DECLINE = (
    f"mutation($id: ID!, $r: String!) {{ declineTopic(topicId: $id, reason: $r) {{ topic {{ {TOPIC_FIELDS} }} "
    f"{ERRORS} }} }}"
)
PLAN = f"mutation($input: PlanMeetingInput!) {{ planMeeting(input: $input) {{ meeting {{ {MEETING_FIELDS} }} {ERRORS} }} }}"
ADD = (
    f"mutation($m: ID!, $t: ID!) {{ addTopicToAgenda(meetingId: $m, topicId: $t) {{ meeting {{ {MEETING_FIELDS} }} "
    f"{ERRORS} }} }}"
)
CANCEL = (
    f"mutation($m: ID!, $r: String!) {{ cancelMeeting(meetingId: $m, reason: $r) {{ meeting {{ {MEETING_FIELDS} }} "
    f"{ERRORS} }} }}"
)
HOLD = f"mutation($input: HoldMeetingInput!) {{ holdMeeting(input: $input) {{ meeting {{ {MEETING_FIELDS} }} {ERRORS} }} }}"
DECIDE = (
    f"mutation($input: RecordDecisionInput!) {{ recordDecision(input: $input) {{ meeting {{ {MEETING_FIELDS} }} "
    f"{ERRORS} }} }}"
)
COMPLETE = (
    "mutation($id: ID!, $note: String) { completeActionItem(actionItemId: $id, note: $note) { "
    f"actionItem {{ id status doneAt note overdue }} {ERRORS} }} }}"
)
ADOPT = (
    f"mutation($input: AdoptCharterDocumentInput!) {{ adoptCharterDocument(input: $input) {{ charter {{ {CHARTER_FIELDS} }} "
    f"{ERRORS} }} }}"
)
VENUE = (
    f"mutation($input: SetMeetingVenueInput!) {{ setMeetingVenue(input: $input) {{ charter {{ {CHARTER_FIELDS} }} "
    f"{ERRORS} }} }}"
)
TOPIC = f"query($id: ID!) {{ deliberationTopic(id: $id) {{ {TOPIC_FIELDS} }} }}"
MEETING = f"query($id: ID!) {{ deliberationMeeting(id: $id) {{ {MEETING_FIELDS} }} }}"
TOPICS = f"""query($a: ID, $s: [TopicStatus!], $o: Boolean) {{ deliberationTopics(areaId: $a, status: $s, orderBySupport: $o) {{
  totalCount edges {{ node {{ {TOPIC_FIELDS} }} }} }} }}"""
STATS = """query($a: ID!, $from: DateTime, $to: DateTime) { deliberationStats(areaId: $a, from: $from, to: $to) {
  meetingsHeld meetingsByKind { kind count } attendance topicsRaised topicsDone topicsDeclined handledRate
  resolvedRate averageDaysToDone actionItemsOpen actionItemsOverdue } }"""

FULL_PANEL = [
    "CHAIR",
    "COMMUNITY_COMMITTEES",
    "SUPERVISORY_COMMITTEE",
    "PROPERTY_COMPANY",
    "LEGAL_ADVISER",
    "PARTNER_UNIT",
    "RESIDENT_REPRESENTATIVE",
]


async def delib_world() -> World:
    """core.testing's world plus residents' accounts in both communities, and two organisations."""
    w = await build_world()
    w.users["li"] = await make_user("li", [("resident", w.c1)], resident=w.residents["zhang_wife"])
    w.users["wang"] = await make_user("wang", [("resident", w.c2)], resident=w.residents["wang"])
    w.users["owner"] = await make_user("owner")
    w.users["liaison"] = await make_user("liaison")
    w.tokens.update({k: token_for(w.users[k]) for k in ("li", "wang", "owner", "liaison")})
    w.power = await m.Organization.create(name="上街供电公司", kind=OrganizationKind.UTILITY)
    w.property = await m.Organization.create(name="幸福物业", kind=OrganizationKind.PROPERTY_MANAGEMENT)
    return w


async def call(client, query: str, variables: dict, token: str, field: str) -> dict:
    return (await client.data(query, variables, token))[field]


def ok(payload: dict, key: str) -> dict:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload[key]


def refused(payload: dict, key: str, code: str) -> dict:
    assert payload[key] is None, payload
    assert [e["code"] for e in payload["userErrors"]] == [code], payload["userErrors"]
    return payload["userErrors"][0]


async def raise_topic(
    client, w: World, token: str = "resident", area=None, title: str = "楼院缺垃圾桶"
) -> dict:
    data = {
        "areaId": gid_of(area if area is not None else w.compound1),
        "title": title,
        "description": "3号楼下没有垃圾桶",
    }
    return ok(await call(client, RAISE, {"input": data}, w.tokens[token], "raiseTopic"), "topic")


def panel(w: World, categories=FULL_PANEL, extra=()) -> list[dict]:
    people = []
    for c in categories:
        if c == "CHAIR":
            people.append({"category": c, "userId": gid_of(w.users["c1_worker"])})
        elif c == "PROPERTY_COMPANY":
            people.append({"category": c, "organizationId": gid_of(w.property)})
        elif c == "RESIDENT_REPRESENTATIVE":
            people.append({"category": c, "residentId": gid_of(w.residents["zhang"])})
        else:
            people.append({"category": c, "name": f"{c.lower()} 代表"})
    return people + list(extra)


async def plan(
    client,
    w: World,
    topics=(),
    fmt: str = "ONE_SIX_X",
    categories=FULL_PANEL,
    area=None,
    kind: str = "SMALL_BENCH",
    when: str = "2026-05-01T10:00:00+08:00",
    token: str = "c1_worker",
) -> dict:
    data = {
        "areaId": gid_of(area if area is not None else w.compound1),
        "title": "小板凳恳谈会",
        "kind": kind,
        "format": fmt,
        "scheduledAt": when,
        "participants": panel(w, categories),
        "topicIds": list(topics),
    }
    return ok(await call(client, PLAN, {"input": data}, w.tokens[token], "planMeeting"), "meeting")


async def hold(
    client, w: World, meeting: dict, attended=None, walk_ins=None, token: str = "c1_worker"
) -> dict:
    indexes = list(range(len(meeting["participants"]))) if attended is None else attended
    data = {
        "meetingId": meeting["id"],
        "attendedIndexes": indexes,
        "minutes": "议定事项如下",
        "walkIns": walk_ins or [],
    }
    return ok(await call(client, HOLD, {"input": data}, w.tokens[token], "holdMeeting"), "meeting")


async def decide(
    client, w: World, meeting_id: str, topic_id: str, votes=(5, 1, 0), items=(), token: str = "c1_worker"
) -> dict:
    data = {
        "meetingId": meeting_id,
        "topicId": topic_id,
        "text": "增设垃圾桶两个",
        "votesFor": votes[0],
        "votesAgainst": votes[1],
        "abstentions": votes[2],
        "actionItems": list(items),
    }
    return await call(client, DECIDE, {"input": data}, w.tokens[token], "recordDecision")


async def held_meeting_with(client, w: World, *topic_ids: str, **plan_args) -> dict:
    return await hold(client, w, await plan(client, w, topics=topic_ids, **plan_args))
