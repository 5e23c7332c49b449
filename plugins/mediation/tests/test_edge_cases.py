"""Input a front-end (or a fuzzer) may send that must never end in an internal error, and the
literal readings of the issue that the first tests left out: ids beyond the database's integer
range, NUL characters, instants beyond what the database stores, periods in the wrong order,
grid workers reporting, and the escalation event's statuses."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.api.relay import gid_of
from core.ids import encode_gid
from plugins.mediation.tests.helpers import (
    ACCEPT,
    ASSIGN,
    CLOSE,
    ESCALATE,
    FAIL,
    FOLLOW_UP,
    GET,
    RESOLVE,
    SESSION,
    call,
    mediation_world,
    ok,
    refused,
    report,
)

# Past PostgreSQL's INTEGER (2**31 - 1) and past SQLite's 64-bit integer.
HUGE = (2**40, 10**30)


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def _codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


@pytest.mark.parametrize("pk", HUGE)
async def test_ids_beyond_the_integer_range_read_as_absent(client, pk):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    case = ok(await report(client, w))
    huge_case = encode_gid("DisputeCase", pk)

    body = await client(GET, {"id": huge_case}, tok, errors_ok=True)
    assert body == {"data": {"disputeCase": None}}, body
    for query, variables, field in [
        (ACCEPT, {"id": huge_case}, "acceptDispute"),
        (CLOSE, {"id": huge_case}, "closeDispute"),
        (FAIL, {"id": huge_case, "reason": "r"}, "markDisputeFailed"),
        (ESCALATE, {"id": huge_case, "reason": "r"}, "escalateDispute"),
        (
            SESSION,
            {"input": {"caseId": huge_case, "heldAt": dt.datetime.now(dt.UTC).isoformat(), "notes": "n"}},
            "recordMediationSession",
        ),
        (
            RESOLVE,
            {"input": {"caseId": huge_case, "terms": "t", "signedOn": _today().isoformat()}},
            "resolveDispute",
        ),
        (
            FOLLOW_UP,
            {"input": {"followUpId": encode_gid("FollowUp", pk), "agreementKept": True}},
            "completeFollowUp",
        ),
    ]:
        refused(await call(client, query, variables, tok, field), "NOT_FOUND")
    party = refused(
        await report(client, w, parties=[{"residentId": encode_gid("Resident", pk), "role": "APPLICANT"}]),
        "NOT_FOUND",
    )
    assert party["field"] == ["input", "parties", "0", "residentId"]
    bad_area = await call(
        client,
        """mutation($i: ReportDisputeInput!) { reportDispute(input: $i) {
        userErrors { code field } } }""",
        {
            "i": {
                "areaId": encode_gid("Compound", pk),
                "title": "t",
                "description": "d",
                "category": "NOISE",
                "parties": [{"name": "甲", "role": "APPLICANT"}],
            }
        },
        tok,
        "reportDispute",
    )
    assert bad_area["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "areaId"]}]

    ok(await call(client, ACCEPT, {"id": case["id"]}, tok, "acceptDispute"))
    member = refused(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": case["id"],
                    "members": [{"userId": encode_gid("User", pk), "role": "MEDIATOR"}],
                }
            },
            tok,
            "assignMediationTeam",
        ),
        "INVALID_TEAM_MEMBER",
    )
    assert member["field"] == ["input", "members", "0", "userId"]
    owner = refused(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": case["id"],
                    "members": [{"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"}],
                    "caseOwnerId": encode_gid("User", pk),
                }
            },
            tok,
            "assignMediationTeam",
        ),
        "INVALID_TEAM_MEMBER",
    )
    assert owner["field"] == ["input", "caseOwnerId"]

    for f in ({"areaId": encode_gid("Community", pk)}, {"assignedToUserId": encode_gid("User", pk)}):
        body = await client(
            "query($f: DisputeCaseFilter) { disputeCases(filter: $f) { totalCount } }",
            {"f": f},
            tok,
            errors_ok=True,
        )
        assert body == {"data": {"disputeCases": {"totalCount": 0}}}, body
    body = await client(
        "query($a: ID!) { mediationStats(areaId: $a) { total } }",
        {"a": encode_gid("Community", pk)},
        tok,
        errors_ok=True,
    )
    assert _codes(body) == ["NOT_FOUND"], body


async def test_an_area_id_of_the_wrong_area_type_is_not_found(client):
    """A compound's number dressed up as a community id names no community."""
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    ok(await report(client, w, area=w.compound1))
    forged = encode_gid("Community", w.compound1.id)
    body = await client(
        "query($a: ID!) { mediationStats(areaId: $a) { total } }", {"a": forged}, tok, errors_ok=True
    )
    assert _codes(body) == ["NOT_FOUND"], body
    body = await client(
        "query($a: ID!) { disputeCases(filter: {areaId: $a}) { totalCount } }", {"a": forged}, tok
    )
    assert body["data"]["disputeCases"]["totalCount"] == 0
    assert (
        await call(
            client,
            """mutation($i: ReportDisputeInput!) { reportDispute(input: $i) {
        userErrors { code } } }""",
            {
                "i": {
                    "areaId": forged,
                    "title": "t",
                    "description": "d",
                    "category": "NOISE",
                    "parties": [{"name": "甲", "role": "APPLICANT"}],
                }
            },
            tok,
            "reportDispute",
        )
    )["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_text_with_a_nul_character_is_invalid_input(client):
    """PostgreSQL cannot store U+0000 in text; every text input refuses it the same way on both databases."""
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    refused(await report(client, w, title="漏\x00水"), "INVALID_INPUT")
    refused(await report(client, w, parties=[{"name": "楼上\x00", "role": "RESPONDENT"}]), "INVALID_INPUT")
    refused(await report(client, w, key="key\x00"), "INVALID_INPUT")
    body = await client(
        """mutation($i: ReportDisputeInput!) { reportDispute(input: $i) { userErrors { code field } } }""",
        {
            "i": {
                "areaId": gid_of(w.building1),
                "title": "t",
                "description": "a\x00b",
                "category": "NOISE",
                "parties": [{"name": "甲", "role": "APPLICANT"}],
            }
        },
        tok,
    )
    assert body["data"]["reportDispute"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": ["input", "description"]}
    ]

    cid = ok(await report(client, w))["id"]
    ok(await call(client, ACCEPT, {"id": cid}, tok, "acceptDispute"))
    refused(
        await call(client, ESCALATE, {"id": cid, "reason": "r\x00"}, tok, "escalateDispute"), "INVALID_INPUT"
    )
    await to_in_mediation_after_accept(client, w, cid, tok)
    held = dt.datetime.now(dt.UTC).isoformat()
    refused(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": held, "notes": "n\x00"}},
            tok,
            "recordMediationSession",
        ),
        "INVALID_INPUT",
    )
    refused(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": held, "notes": "n", "location": "\x00"}},
            tok,
            "recordMediationSession",
        ),
        "INVALID_INPUT",
    )
    refused(
        await call(client, FAIL, {"id": cid, "reason": "\x00"}, tok, "markDisputeFailed"), "INVALID_INPUT"
    )
    today = _today()
    refused(
        await call(
            client,
            RESOLVE,
            {"input": {"caseId": cid, "terms": "t\x00", "signedOn": today.isoformat()}},
            tok,
            "resolveDispute",
        ),
        "INVALID_INPUT",
    )
    case = ok(
        await call(
            client,
            RESOLVE,
            {
                "input": {
                    "caseId": cid,
                    "terms": "t",
                    "signedOn": today.isoformat(),
                    "followUpDates": [(today + dt.timedelta(days=7)).isoformat()],
                }
            },
            tok,
            "resolveDispute",
        )
    )
    refused(
        await call(
            client,
            FOLLOW_UP,
            {"input": {"followUpId": case["followUps"][0]["id"], "note": "\x00", "agreementKept": True}},
            tok,
            "completeFollowUp",
        ),
        "INVALID_INPUT",
    )
    body = await client(
        "query($s: String) { disputeCases(filter: {search: $s}) { totalCount } }",
        {"s": "MD\x00"},
        tok,
        errors_ok=True,
    )
    assert _codes(body) == ["INVALID_INPUT"], body
    # Nothing of the refused attempts was written.
    after = (await client.data(GET, {"id": cid}, tok))["disputeCase"]
    assert after["status"] == "RESOLVED" and after["followUps"][0]["doneAt"] is None


async def to_in_mediation_after_accept(client, w, cid, tok):
    return ok(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [{"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"}],
                }
            },
            tok,
            "assignMediationTeam",
        )
    )


@pytest.mark.parametrize("instant", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
async def test_instants_the_database_cannot_hold_are_invalid_input(client, instant):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    ok(await report(client, w))
    for query, variables in [
        ("query($t: DateTime) { disputeCases(filter: {reportedFrom: $t}) { totalCount } }", {"t": instant}),
        ("query($t: DateTime) { disputeCases(filter: {reportedTo: $t}) { totalCount } }", {"t": instant}),
        (
            "query($a: ID!, $t: DateTime) { mediationStats(areaId: $a, from: $t) { total } }",
            {"a": gid_of(w.c1), "t": instant},
        ),
        (
            "query($a: ID!, $t: DateTime) { mediationStats(areaId: $a, to: $t) { total } }",
            {"a": gid_of(w.c1), "t": instant},
        ),
        (
            "query($a: ID!, $t: DateTime) { area(id: $a) { ... on Community { mediationStats(from: $t) { total } } } }",
            {"a": gid_of(w.c1), "t": instant},
        ),
    ]:
        body = await client(query, variables, tok, errors_ok=True)
        assert _codes(body) == ["INVALID_INPUT"], (query, body)


async def test_a_list_filter_with_its_period_in_the_wrong_order_is_invalid_input(client):
    """As for mediationStats: reportedFrom after reportedTo is a mistake, not an empty period."""
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    ok(await report(client, w))
    body = await client(
        """{ disputeCases(filter: {reportedFrom: "2026-06-01T00:00:00Z", reportedTo: "2026-01-01T00:00:00Z"}) {
        totalCount } }""",
        token=tok,
        errors_ok=True,
    )
    assert _codes(body) == ["INVALID_INPUT"], body
    # The same instant on both ends is an empty period, not an error.
    body = await client(
        """{ disputeCases(filter: {reportedFrom: "2026-01-01T00:00:00Z", reportedTo: "2026-01-01T00:00:00Z"}) {
        totalCount } }""",
        token=tok,
    )
    assert body["data"]["disputeCases"]["totalCount"] == 0


async def test_grid_workers_report_disputes_in_their_area(client):
    """Staff report within their scope: the grid leader on their rounds is the first to hear of a dispute."""
    w = await mediation_world()
    case = ok(await report(client, w, "c1_grid"))
    assert case["status"] == "REPORTED" and case["events"][0]["actor"]["username"] == "c1_grid"
    # Still only within their scope, and still not managing.
    refused(
        await report(client, w, "c1_grid", area=w.c2, parties=[{"name": "甲", "role": "APPLICANT"}]),
        "NOT_FOUND",
    )
    refused(await call(client, ACCEPT, {"id": case["id"]}, w.tokens["c1_grid"], "acceptDispute"), "FORBIDDEN")
    roles = {
        r["name"]: set(r["permissions"])
        for r in (await client.data("{ roles { name permissions } }", token=w.tokens["super"]))["roles"]
    }
    assert {"mediation.case.read", "mediation.case.report"} <= roles["grid_worker"]
    assert "mediation.case.manage" not in roles["grid_worker"]


async def test_escalation_events_record_the_move_back_to_accepted(client):
    """ESCALATE 'moves a case up one handling level and back to ACCEPTED': the event says so, from either status."""
    w = await mediation_world()
    tok = w.tokens["s1_manager"]
    cid = ok(await report(client, w))["id"]
    ok(await call(client, ACCEPT, {"id": cid}, tok, "acceptDispute"))
    case = ok(await call(client, ESCALATE, {"id": cid, "reason": "涉及多户"}, tok, "escalateDispute"))
    last = case["events"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"], last["fromLevel"], last["toLevel"]) == (
        "ESCALATED",
        "ACCEPTED",
        "ACCEPTED",
        "COMPOUND",
        "COMMUNITY",
    )
    await to_in_mediation_after_accept(client, w, cid, tok)
    case = ok(await call(client, ESCALATE, {"id": cid, "reason": "社区调解未果"}, tok, "escalateDispute"))
    last = case["events"][-1]
    assert (last["fromStatus"], last["toStatus"], last["fromLevel"], last["toLevel"]) == (
        "IN_MEDIATION",
        "ACCEPTED",
        "COMMUNITY",
        "SUBDISTRICT",
    )
    # Every lifecycle move names the status it leaves the case in; sessions and follow-ups do not move it.
    statuses = [e["toStatus"] for e in case["events"]]
    assert statuses == ["REPORTED", "ACCEPTED", "ACCEPTED", "IN_MEDIATION", "ACCEPTED"]


async def test_a_period_may_mix_instants_with_and_without_an_offset(client):
    """An instant without an offset is taken as UTC (as the database does), also when compared with one that has one."""
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    ok(await report(client, w))
    year = dt.datetime.now(dt.UTC).year
    frm, to = f"{year - 1}-01-01T00:00:00", f"{year + 1}-01-01T00:00:00+08:00"
    body = await client(
        """query($a: ID!, $f: DateTime, $t: DateTime) {
        mediationStats(areaId: $a, from: $f, to: $t) { total }
        area(id: $a) { ... on Community { mediationStats(from: $f, to: $t) { total } } }
        disputeCases(filter: {reportedFrom: $f, reportedTo: $t}) { totalCount } }""",
        {"a": gid_of(w.c1), "f": frm, "t": to},
        tok,
    )
    assert body["data"]["mediationStats"]["total"] == 1
    assert body["data"]["area"]["mediationStats"]["total"] == 1
    assert body["data"]["disputeCases"]["totalCount"] == 1
    body = await client(
        """query($a: ID!, $f: DateTime, $t: DateTime) { mediationStats(areaId: $a, from: $f, to: $t) {
        total } }""",
        {"a": gid_of(w.c1), "f": f"{year + 1}-01-01T00:00:00", "t": f"{year - 1}-01-01T00:00:00Z"},
        tok,
        errors_ok=True,
    )
    assert _codes(body) == ["INVALID_INPUT"], body


async def test_text_with_a_lone_surrogate_is_invalid_input(client):
    """JSON may escape a lone surrogate (\\ud800) that no database encoding can hold."""
    w = await mediation_world()
    lone = "@LONE@"

    async def post(query: str, variables: dict) -> dict:
        # json.dumps cannot write a lone surrogate from a str: put its escape in by hand.
        body = json.dumps({"query": query, "variables": variables}).replace(lone, "\\ud800")
        resp = await client.http.post(
            "/graphql",
            content=body.encode(),
            headers={"Authorization": f"Bearer {w.tokens['c1_worker']}", "Content-Type": "application/json"},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    report_q = "mutation($x: ReportDisputeInput!) { reportDispute(input: $x) { disputeCase { id } userErrors { code field } } }"
    for field in ("title", "description"):
        data = {
            "areaId": gid_of(w.building1),
            "title": "t",
            "description": "d",
            "category": "OTHER",
            "parties": [{"name": "n", "role": "APPLICANT"}],
            field: f"a{lone}b",
        }
        body = await post(report_q, {"x": data})
        assert body["data"]["reportDispute"] == {
            "disputeCase": None,
            "userErrors": [{"code": "INVALID_INPUT", "field": ["input", field]}],
        }, body
    body = await post("query($s: String) { disputeCases(filter: {search: $s}) { totalCount } }", {"s": lone})
    assert _codes(body) == ["INVALID_INPUT"], body
