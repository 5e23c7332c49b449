"""Who may read, report and manage cases: out-of-scope cases read as null / NOT_FOUND and are never counted."""

from __future__ import annotations

import datetime as dt

from core.api.relay import gid_of
from core.enums import AreaLevel
from core.testing import make_area
from plugins.mediation.tests.helpers import (
    ACCEPT,
    ASSIGN,
    GET,
    RESOLVE,
    SESSION,
    call,
    mediation_world,
    ok,
    refused,
    report,
    to_in_mediation,
)

LIST = """query($f: DisputeCaseFilter) { disputeCases(filter: $f) { totalCount edges { node { caseNumber } } } }"""
STATS = """query($a: ID!) { mediationStats(areaId: $a) { total open } }"""
ME_CASES = """{ me { resident { name disputeCases { totalCount edges { node { caseNumber
  events { kind actor { username } } reportedBy { username } } } } } } }"""


async def _case_in_c1(client, w) -> dict:
    return ok(await report(client, w))  # parties: zhang (resident account "resident") and an outside party


async def test_resident_reads_cases_where_they_are_a_party(client):
    w = await mediation_world()
    case = await _case_in_c1(client, w)
    got = (await client.data(GET, {"id": case["id"]}, w.tokens["resident"]))["disputeCase"]
    assert got["caseNumber"] == case["caseNumber"]
    # Who reported them stays hidden from parties; staff see it.
    assert got["events"][0]["actor"] is None
    mine = (await client.data(ME_CASES, token=w.tokens["resident"]))["me"]["resident"]["disputeCases"]
    assert mine["totalCount"] == 1
    assert mine["edges"][0]["node"]["reportedBy"] is None
    staff = (
        await client.data(
            "query($id: ID!) { disputeCase(id: $id) { reportedBy { username } events { actor { username } } } }",
            {"id": case["id"]},
            w.tokens["c1_grid"],
        )
    )["disputeCase"]
    assert staff["reportedBy"]["username"] == "c1_worker"
    assert staff["events"][0]["actor"]["username"] == "c1_worker"
    assert (await client.data(LIST, token=w.tokens["resident"]))["disputeCases"]["totalCount"] == 1
    # ... but may not work it.
    refused(
        await call(client, ACCEPT, {"id": case["id"]}, w.tokens["resident"], "acceptDispute"), "FORBIDDEN"
    )


async def test_resident_who_is_not_a_party_sees_nothing(client):
    w = await mediation_world()
    case = await _case_in_c1(client, w)
    tok = w.tokens["wang"]
    assert (await client.data(GET, {"id": case["id"]}, tok))["disputeCase"] is None
    assert (await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": case["id"]}, tok))[
        "node"
    ] is None
    assert (await client.data(LIST, token=tok))["disputeCases"]["totalCount"] == 0
    refused(await call(client, ACCEPT, {"id": case["id"]}, tok, "acceptDispute"), "NOT_FOUND")
    assert (await client.data(STATS, {"a": gid_of(w.s1)}, tok))["mediationStats"]["total"] == 0


async def test_other_communitys_worker_gets_null_and_not_found(client):
    w = await mediation_world()
    case = await _case_in_c1(client, w)
    tok = w.tokens["c2_worker"]
    assert (await client.data(GET, {"id": case["id"]}, tok))["disputeCase"] is None
    assert (await client.data(LIST, token=tok))["disputeCases"]["totalCount"] == 0
    for query, variables, field in [
        (ACCEPT, {"id": case["id"]}, "acceptDispute"),
        (
            "mutation($id: ID!) { closeDispute(caseId: $id) { userErrors { code field } } }",
            {"id": case["id"]},
            "closeDispute",
        ),
    ]:
        payload = await call(client, query, variables, tok, field)
        assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    # Not counted where they may look (their subdistrict), and c1 itself is not found.
    assert (await client.data(STATS, {"a": gid_of(w.s1)}, tok))["mediationStats"]["total"] == 0
    body = await client(STATS, {"a": gid_of(w.c1)}, tok, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Reporting in another community: not found either.
    refused(await report(client, w, "c2_worker", parties=[{"name": "甲", "role": "APPLICANT"}]), "NOT_FOUND")
    # The c1 case is still untouched.
    again = (await client.data(GET, {"id": case["id"]}, w.tokens["c1_worker"]))["disputeCase"]
    assert again["status"] == "REPORTED"


async def test_grid_worker_reads_but_does_not_manage(client):
    w = await mediation_world()
    case = await _case_in_c1(client, w)
    tok = w.tokens["c1_grid"]
    assert (await client.data(GET, {"id": case["id"]}, tok))["disputeCase"]["caseNumber"] == case[
        "caseNumber"
    ]
    assert (await client.data(LIST, token=tok))["disputeCases"]["totalCount"] == 1
    assert (await client.data(STATS, {"a": gid_of(w.c1)}, tok))["mediationStats"] == {"total": 1, "open": 1}
    err = refused(await call(client, ACCEPT, {"id": case["id"]}, tok, "acceptDispute"), "FORBIDDEN")
    assert err["field"] == ["caseId"]
    # Grid workers report (test_edge_cases), but manage nothing.


async def test_team_member_without_manage_records_sessions_only(client):
    w = await mediation_world()
    cid = (await _case_in_c1(client, w))["id"]
    await to_in_mediation(client, w, cid)  # c1_grid is on the team as GRID_LEADER
    held = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    case = ok(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": held, "notes": "入户了解情况"}},
            w.tokens["c1_grid"],
            "recordMediationSession",
        )
    )
    assert case["sessions"][0]["recordedBy"]["username"] == "c1_grid"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    refused(
        await call(
            client,
            RESOLVE,
            {"input": {"caseId": cid, "terms": "t", "signedOn": today}},
            w.tokens["c1_grid"],
            "resolveDispute",
        ),
        "FORBIDDEN",
    )
    # A community worker elsewhere is neither manager nor team member: the case is not even found.
    refused(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": held, "notes": "x"}},
            w.tokens["c2_worker"],
            "recordMediationSession",
        ),
        "NOT_FOUND",
    )


async def test_resident_reports_in_their_own_community_only(client):
    w = await mediation_world()
    other_compound = await make_area(AreaLevel.COMPOUND, "阳光小区", w.c1)
    mine = ok(
        await report(
            client,
            w,
            "resident",
            area=other_compound,
            parties=[
                {"residentId": gid_of(w.residents["zhang"]), "role": "APPLICANT"},
                {"name": "物业公司", "role": "RESPONDENT"},
            ],
            category="PROPERTY_MANAGEMENT",
        )
    )
    assert mine["area"]["name"] == "阳光小区" and mine["handlingLevel"] == "COMPOUND"
    # The reporter reads what they reported, and sees themselves as its actor.
    assert mine["events"][0]["actor"]["username"] == "resident"
    # Another community is not found; a household member may be named, a stranger may not.
    refused(
        await report(client, w, "resident", area=w.c2, parties=[{"name": "甲", "role": "APPLICANT"}]),
        "NOT_FOUND",
    )
    ok(
        await report(
            client,
            w,
            "resident",
            parties=[
                {"residentId": gid_of(w.residents["zhang_wife"]), "role": "APPLICANT"},
                {"name": "邻居", "role": "RESPONDENT"},
            ],
        )
    )
    refused(
        await report(
            client, w, "resident", parties=[{"residentId": gid_of(w.residents["wang"]), "role": "RESPONDENT"}]
        ),
        "NOT_FOUND",
    )
    # A user without grants or resident record may not report anywhere.
    refused(await report(client, w, "nobody", parties=[{"name": "甲", "role": "APPLICANT"}]), "NOT_FOUND")


async def test_subdistrict_scope_and_anonymous(client):
    w = await mediation_world()
    await _case_in_c1(client, w)
    ok(await report(client, w, "c2_worker", area=w.c2, parties=[{"name": "甲", "role": "APPLICANT"}]))
    ok(await report(client, w, "super", area=w.c3, parties=[{"name": "乙", "role": "APPLICANT"}]))
    assert (await client.data(LIST, token=w.tokens["s1_manager"]))["disputeCases"]["totalCount"] == 2
    assert (await client.data(LIST, token=w.tokens["district_admin"]))["disputeCases"]["totalCount"] == 3
    # A superuser reads every case, not only those they reported.
    assert (await client.data(LIST, token=w.tokens["super"]))["disputeCases"]["totalCount"] == 3
    assert (await client.data(STATS, {"a": gid_of(w.district)}, w.tokens["super"]))["mediationStats"][
        "total"
    ] == 3
    assert (await client.data(STATS, {"a": gid_of(w.district)}, w.tokens["s1_manager"]))["mediationStats"][
        "total"
    ] == 2
    body = await client(LIST, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_roles_are_registered(client):
    w = await mediation_world()
    roles = {
        r["name"]: set(r["permissions"])
        for r in (await client.data("{ roles { name permissions } }", token=w.tokens["super"]))["roles"]
    }
    everything = {"mediation.case.read", "mediation.case.report", "mediation.case.manage"}
    assert everything <= roles["mediator"]
    assert everything <= roles["community_worker"] and everything <= roles["area_manager"]
    assert roles["grid_worker"] & everything == {"mediation.case.read", "mediation.case.report"}
    assert roles["resident"] & everything == {"mediation.case.report"}
    assert everything <= roles["admin"]


async def test_available_actions_follow_status_and_permissions(client):
    w = await mediation_world()
    query = "query($id: ID!) { disputeCase(id: $id) { status availableActions } }"

    async def actions(cid, who):
        return (await client.data(query, {"id": cid}, w.tokens[who]))["disputeCase"]["availableActions"]

    cid = (await _case_in_c1(client, w))["id"]
    assert await actions(cid, "c1_worker") == ["ACCEPT"]
    assert await actions(cid, "c1_grid") == [] and await actions(cid, "resident") == []
    ok(await call(client, ACCEPT, {"id": cid}, w.tokens["c1_worker"], "acceptDispute"))
    assert await actions(cid, "c1_worker") == ["ASSIGN_TEAM", "ESCALATE"]
    ok(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [{"userId": gid_of(w.users["c1_grid"]), "role": "GRID_LEADER"}],
                }
            },
            w.tokens["c1_worker"],
            "assignMediationTeam",
        )
    )
    assert await actions(cid, "c1_worker") == ["ASSIGN_TEAM", "RECORD_SESSION", "ESCALATE", "RESOLVE", "FAIL"]
    assert await actions(cid, "c1_grid") == ["RECORD_SESSION"]  # on the team, without manage
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
                    "followUpDates": [(today + dt.timedelta(days=7)).isoformat()],
                }
            },
            w.tokens["c1_worker"],
            "resolveDispute",
        )
    )
    assert await actions(cid, "c1_worker") == ["COMPLETE_FOLLOW_UP"]  # not CLOSE: a follow-up is pending
    assert await actions(cid, "c1_grid") == ["COMPLETE_FOLLOW_UP"]
    assert await actions(cid, "resident") == []
