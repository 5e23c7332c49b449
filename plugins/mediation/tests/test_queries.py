"""Listing, filtering and paging cases; Resident.disputeCases; statement counts of nested lists."""

from __future__ import annotations

import datetime as dt

from core.api.relay import gid_of
from core.testing import count_statements
from plugins.mediation.enums import DisputeStatus as S
from plugins.mediation.tests.helpers import (
    ESCALATE,
    RESOLVE,
    SESSION,
    call,
    insert_case,
    mediation_world,
    ok,
    report,
    to_in_mediation,
)

LIST = """query($f: DisputeCaseFilter, $first: Int, $after: String) {
  disputeCases(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { caseNumber status } } } }"""

NESTED = """{ disputeCases(first: 50) { totalCount edges { node {
  caseNumber availableActions area { name } caseOwner { username } reportedBy { username }
  parties { name role resident { name community { name } } }
  team { role user { username } }
  sessions { notes recordedBy { username } }
  followUps { dueOn doneAt }
  agreement { terms }
  events { kind actor { username } } } } } }"""


def _numbers(data) -> list[str]:
    return [e["node"]["caseNumber"] for e in data["disputeCases"]["edges"]]


async def _worked_case(client, w, tok="c1_worker") -> str:
    cid = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, cid, owner=gid_of(w.users["c1_mediator"]))
    held = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    ok(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": held, "notes": "n"}},
            w.tokens[tok],
            "recordMediationSession",
        )
    )
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    ok(
        await call(
            client,
            RESOLVE,
            {
                "input": {
                    "caseId": cid,
                    "terms": "t",
                    "signedOn": today.isoformat(),
                    "followUpDates": [(today + dt.timedelta(days=d)).isoformat() for d in (7, 30)],
                }
            },
            w.tokens[tok],
            "resolveDispute",
        )
    )
    return cid


async def test_filters(client):
    w = await mediation_world()
    tok = w.tokens["district_admin"]
    a = ok(await report(client, w, category="NOISE"))
    b_id = ok(
        await report(
            client,
            w,
            area=w.c2,
            token_name="c2_worker",
            parties=[{"name": "甲", "role": "APPLICANT"}],
            title="停车位被占",
        )
    )["id"]
    await to_in_mediation(client, w, a["id"], owner=gid_of(w.users["c1_mediator"]))
    ok(await call(client, ESCALATE, {"id": a["id"], "reason": "r"}, tok, "escalateDispute"))

    async def numbers(f):
        return _numbers(await client.data(LIST, {"f": f}, tok))

    assert await numbers({}) == ["MD-" + a["caseNumber"][3:7] + "-000002", a["caseNumber"]]  # newest first
    assert await numbers({"areaId": gid_of(w.c1)}) == [a["caseNumber"]]
    assert await numbers({"areaId": gid_of(w.s1)}) == (await numbers({}))
    assert await numbers({"areaId": gid_of(w.c3)}) == []
    assert await numbers({"areaId": "not-an-id"}) == []
    assert await numbers({"status": "ACCEPTED"}) == [a["caseNumber"]]
    assert await numbers({"status": "REPORTED", "category": "NEIGHBOR"}) == [
        (await numbers({"areaId": gid_of(w.c2)}))[0]
    ]
    assert await numbers({"category": "NOISE"}) == [a["caseNumber"]]
    assert await numbers({"handlingLevel": "COMMUNITY"}) == await numbers(
        {}
    )  # a escalated; b reported at a community
    assert await numbers({"handlingLevel": "COMPOUND"}) == []
    for user in ("c1_mediator", "c1_grid"):  # owner and team member
        assert await numbers({"assignedToUserId": gid_of(w.users[user])}) == [a["caseNumber"]]
    assert await numbers({"assignedToUserId": gid_of(w.users["c2_worker"])}) == []
    now = dt.datetime.now(dt.UTC)
    assert len(await numbers({"reportedFrom": (now - dt.timedelta(hours=1)).isoformat()})) == 2
    assert await numbers({"reportedTo": (now - dt.timedelta(hours=1)).isoformat()}) == []
    assert await numbers({"search": "停车"}) == (await numbers({"areaId": gid_of(w.c2)}))
    assert await numbers({"search": a["caseNumber"]}) == [a["caseNumber"]]
    assert await numbers({"search": "000001"}) == [a["caseNumber"]]
    assert b_id


async def test_paging(client):
    w = await mediation_world()
    for seq in range(1, 8):
        await insert_case(
            w.compound1, seq, status=S.REPORTED, reported_at=dt.datetime(2025, 1, seq, tzinfo=dt.UTC)
        )
    tok = w.tokens["c1_worker"]
    seen, after = [], None
    while True:
        page = (await client.data(LIST, {"first": 3, "after": after}, tok))["disputeCases"]
        assert page["totalCount"] == 7
        seen += [e["node"]["caseNumber"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"MD-2025-{n:06d}" for n in range(7, 0, -1)]


async def test_resident_dispute_cases_connection(client):
    w = await mediation_world()
    first = ok(await report(client, w))["caseNumber"]
    second = ok(
        await report(
            client,
            w,
            parties=[
                {"residentId": gid_of(w.residents["zhang"]), "role": "RESPONDENT"},
                {"residentId": gid_of(w.residents["zhang_wife"]), "role": "APPLICANT"},
            ],
        )
    )
    ok(
        await report(
            client,
            w,
            area=w.c2,
            token_name="c2_worker",
            parties=[{"residentId": gid_of(w.residents["wang"]), "role": "APPLICANT"}],
        )
    )
    query = """query($f: ResidentFilter) { residents(filter: $f) { edges { node { name
      disputeCases(first: 1) { totalCount pageInfo { hasNextPage } edges { node { caseNumber } } } } } } }"""
    with count_statements() as statements:
        data = await client.data(query, {"f": {"areaId": gid_of(w.c1)}}, w.tokens["c1_worker"])
    got = {e["node"]["name"]: e["node"]["disputeCases"] for e in data["residents"]["edges"]}
    assert got["张伟"]["totalCount"] == 2 and got["张伟"]["pageInfo"]["hasNextPage"] is True
    assert got["张伟"]["edges"][0]["node"]["caseNumber"] == second["caseNumber"]  # newest first
    assert got["李娜"]["totalCount"] == 1
    assert first
    # Loaded for all residents at once: party links, then the visible cases.
    assert len([s for s in statements if "mediation_" in s]) == 2
    # The c2 worker sees 王芳's case but not 张伟's.
    data = await client.data(query, {"f": {}}, w.tokens["c2_worker"])
    got = {e["node"]["name"]: e["node"]["disputeCases"]["totalCount"] for e in data["residents"]["edges"]}
    assert got == {"王芳": 1}


async def test_nested_list_costs_a_fixed_number_of_statements(client):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    await _worked_case(client, w)
    await _worked_case(client, w)
    with count_statements() as few:
        small = await client.data(NESTED, token=tok)
    for _ in range(4):
        await _worked_case(client, w)
    with count_statements() as many:
        big = await client.data(NESTED, token=tok)
    assert small["disputeCases"]["totalCount"] == 2 and big["disputeCases"]["totalCount"] == 6
    node = big["disputeCases"]["edges"][0]["node"]
    assert node["caseOwner"]["username"] == "c1_mediator"
    assert len(node["parties"]) == 2 and len(node["team"]) == 2 and len(node["followUps"]) == 2
    assert node["parties"][0]["resident"]["community"]["name"] == "三湾街社区"
    assert [e["kind"] for e in node["events"]] == [
        "REPORTED",
        "ACCEPTED",
        "TEAM_ASSIGNED",
        "SESSION_RECORDED",
        "RESOLVED",
    ]
    assert len(many) == len(few), "\n".join(many)
    # 2 to authenticate, 2 for the page, 1 per nested list or lookup level (users at two depths).
    assert len(many) <= 14, "\n".join(many)


async def test_node_and_notification_subject(client):
    w = await mediation_world()
    cid = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, cid)
    data = await client.data(
        """query($id: ID!) { node(id: $id) { id ... on DisputeCase { caseNumber } } }""",
        {"id": cid},
        w.tokens["c1_grid"],
    )
    assert data["node"]["id"] == cid
    notes = (
        await client.data(
            """{ myNotifications { edges { node { kind title
        subject { ... on DisputeCase { id status } } } } } }""",
            token=w.tokens["c1_mediator"],
        )
    )["myNotifications"]
    node = notes["edges"][0]["node"]
    assert node["kind"] == "mediation.assigned"
    assert node["subject"] == {"id": cid, "status": "IN_MEDIATION"}
    # In Chinese, like the other plugins' notifications.
    number = data["node"]["caseNumber"]
    assert node["title"] == f"纠纷案件{number}已分派给您"
