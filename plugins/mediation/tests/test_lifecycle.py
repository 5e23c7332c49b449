"""The case lifecycle through the GraphQL API: every move, every refusal."""

from __future__ import annotations

import datetime as dt
import re

from core import models as m
from core.api.relay import gid_of
from plugins.mediation.models import DisputeCase, DisputeCaseEvent
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
    to_in_mediation,
)


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


async def test_full_lifecycle(client):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    case = ok(await report(client, w))
    assert re.fullmatch(r"MD-\d{4}-000001", case["caseNumber"])
    assert case["status"] == "REPORTED"
    assert case["handlingLevel"] == "COMPOUND"  # reported at a building: handled in its compound first
    assert case["area"]["name"] == "1号楼"
    assert [(p["name"], p["role"]) for p in case["parties"]] == [
        ("张伟", "APPLICANT"),
        ("楼上住户", "RESPONDENT"),
    ]
    assert case["parties"][0]["resident"]["name"] == "张伟"
    assert case["parties"][1]["resident"] is None
    cid = case["id"]

    case = ok(await call(client, ACCEPT, {"id": cid}, tok, "acceptDispute"))
    assert case["status"] == "ACCEPTED"

    mediator, grid = gid_of(w.users["c1_mediator"]), gid_of(w.users["c1_grid"])
    case = ok(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [
                        {"userId": mediator, "role": "MEDIATOR"},
                        {"userId": grid, "role": "GRID_LEADER"},
                    ],
                    "caseOwnerId": mediator,
                    "method": "CASE_OWNER",
                }
            },
            tok,
            "assignMediationTeam",
        )
    )
    assert case["status"] == "IN_MEDIATION"
    assert case["method"] == "CASE_OWNER"
    assert case["caseOwner"]["username"] == "c1_mediator"
    assert [(t["user"]["username"], t["role"]) for t in case["team"]] == [
        ("c1_mediator", "MEDIATOR"),
        ("c1_grid", "GRID_LEADER"),
    ]

    held = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)).isoformat()
    case = ok(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": held, "location": "1号楼调解室", "notes": "双方同意维修"}},
            tok,
            "recordMediationSession",
        )
    )
    assert case["status"] == "IN_MEDIATION"
    assert [(s["location"], s["notes"], s["recordedBy"]["username"]) for s in case["sessions"]] == [
        ("1号楼调解室", "双方同意维修", "c1_worker")
    ]

    today = _today()
    dates = [(today + dt.timedelta(days=30)).isoformat(), (today + dt.timedelta(days=7)).isoformat()]
    case = ok(
        await call(
            client,
            RESOLVE,
            {
                "input": {
                    "caseId": cid,
                    "terms": "楼上住户负责维修并赔偿500元",
                    "signedOn": today.isoformat(),
                    "followUpDates": dates,
                }
            },
            tok,
            "resolveDispute",
        )
    )
    assert case["status"] == "RESOLVED"
    assert case["resolvedAt"] is not None
    assert case["agreement"] == {"terms": "楼上住户负责维修并赔偿500元", "signedOn": today.isoformat()}
    assert [f["dueOn"] for f in case["followUps"]] == sorted(dates)
    assert all(f["doneAt"] is None for f in case["followUps"])

    # Closing is refused while follow-ups are pending, and changes nothing.
    err = refused(await call(client, CLOSE, {"id": cid}, tok, "closeDispute"), "INVALID_TRANSITION")
    assert "follow-up" in err["message"]
    for i, fu in enumerate(case["followUps"]):
        after = ok(
            await call(
                client,
                FOLLOW_UP,
                {"input": {"followUpId": fu["id"], "note": "已维修", "agreementKept": True}},
                tok,
                "completeFollowUp",
            )
        )
        assert after["followUps"][i]["agreementKept"] is True
        assert after["followUps"][i]["doneAt"] is not None
        if i == 0:
            refused(await call(client, CLOSE, {"id": cid}, tok, "closeDispute"), "INVALID_TRANSITION")
    case = ok(await call(client, CLOSE, {"id": cid}, tok, "closeDispute"))
    assert case["status"] == "CLOSED"
    assert case["closedAt"] is not None

    kinds = [(e["kind"], e["fromStatus"], e["toStatus"], e["actor"]["username"]) for e in case["events"]]
    assert kinds == [
        ("REPORTED", None, "REPORTED", "c1_worker"),
        ("ACCEPTED", "REPORTED", "ACCEPTED", "c1_worker"),
        ("TEAM_ASSIGNED", "ACCEPTED", "IN_MEDIATION", "c1_worker"),
        ("SESSION_RECORDED", None, None, "c1_worker"),
        ("RESOLVED", "IN_MEDIATION", "RESOLVED", "c1_worker"),
        ("FOLLOW_UP_DONE", None, None, "c1_worker"),
        ("FOLLOW_UP_DONE", None, None, "c1_worker"),
        ("CLOSED", "RESOLVED", "CLOSED", "c1_worker"),
    ]
    assert all(e["at"] for e in case["events"])
    row = await DisputeCase.get(id=int(await _pk(cid)))
    assert row.resolved_level.value == "COMPOUND" and row.resolution_seconds is not None


async def _pk(gid: str) -> int:
    from core.ids import decode_int_gid

    return decode_int_gid(gid, "DisputeCase")


async def test_failed_case_closes_and_notifies_team(client):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    cid = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, cid)
    notes = (
        await m.Notification.filter(kind="mediation.assigned")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    assert sorted(notes) == sorted([w.users["c1_mediator"].id, w.users["c1_grid"].id])
    refused(await call(client, FAIL, {"id": cid, "reason": "  "}, tok, "markDisputeFailed"), "INVALID_INPUT")
    case = ok(
        await call(client, FAIL, {"id": cid, "reason": "双方分歧过大，建议诉讼"}, tok, "markDisputeFailed")
    )
    assert case["status"] == "FAILED"
    assert case["events"][-1]["note"] == "双方分歧过大，建议诉讼"
    case = ok(await call(client, CLOSE, {"id": cid}, tok, "closeDispute"))
    assert case["status"] == "CLOSED"


async def test_reassigning_notifies_only_newcomers(client):
    w = await mediation_world()
    cid = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, cid)
    before = await m.Notification.filter(kind="mediation.assigned").count()
    case = ok(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [
                        {"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"},
                        {"userId": gid_of(w.users["c1_worker"]), "role": "COMMUNITY_HEAD"},
                    ],
                }
            },
            w.tokens["c1_worker"],
            "assignMediationTeam",
        )
    )
    assert case["status"] == "IN_MEDIATION" and case["method"] == "ON_SITE"
    assert [t["user"]["username"] for t in case["team"]] == ["c1_mediator", "c1_worker"]
    new = (
        await m.Notification.filter(kind="mediation.assigned")
        .offset(before)
        .values_list("user_id", flat=True)
    )
    assert list(new) == [w.users["c1_worker"].id]
    last = case["events"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"]) == (
        "TEAM_ASSIGNED",
        "IN_MEDIATION",
        "IN_MEDIATION",
    )


async def test_escalation_walks_up_and_stops_at_subdistrict(client):
    w = await mediation_world()
    tok = w.tokens["s1_manager"]
    cid = ok(await report(client, w))["id"]
    ok(await call(client, ACCEPT, {"id": cid}, tok, "acceptDispute"))
    case = ok(await call(client, ESCALATE, {"id": cid, "reason": "涉及多户"}, tok, "escalateDispute"))
    assert (case["status"], case["handlingLevel"]) == ("ACCEPTED", "COMMUNITY")
    last = case["events"][-1]
    assert (last["kind"], last["fromLevel"], last["toLevel"], last["note"]) == (
        "ESCALATED",
        "COMPOUND",
        "COMMUNITY",
        "涉及多户",
    )
    await to_in_mediation_from_accepted(client, w, cid, tok)
    case = ok(await call(client, ESCALATE, {"id": cid, "reason": "社区调解未果"}, tok, "escalateDispute"))
    assert (case["status"], case["handlingLevel"]) == ("ACCEPTED", "SUBDISTRICT")
    assert case["events"][-1]["fromStatus"] == "IN_MEDIATION" and case["events"][-1]["toStatus"] == "ACCEPTED"
    err = refused(
        await call(client, ESCALATE, {"id": cid, "reason": "再上报"}, tok, "escalateDispute"),
        "INVALID_TRANSITION",
    )
    assert "SUBDISTRICT" in err["message"]
    after = (await client.data(GET, {"id": cid}, tok))["disputeCase"]
    assert (after["status"], after["handlingLevel"], len(after["events"])) == ("ACCEPTED", "SUBDISTRICT", 5)


async def to_in_mediation_from_accepted(client, w, cid, tok):
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


async def test_case_reported_at_a_community_starts_at_community_level(client):
    w = await mediation_world()
    case = ok(await report(client, w, area=w.c1))
    assert case["handlingLevel"] == "COMMUNITY"
    assert case["events"][0]["toLevel"] == "COMMUNITY"
    refused(await report(client, w, area=w.s1, token_name="s1_manager"), "INVALID_LEVEL")


async def test_every_refused_transition_changes_nothing(client):
    """Each mutation tried from each status it is not allowed in answers INVALID_TRANSITION."""
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    mediator = gid_of(w.users["c1_mediator"])
    today = _today().isoformat()
    held = dt.datetime.now(dt.UTC).isoformat()

    def attempts(cid):
        return {
            "accept": (ACCEPT, {"id": cid}, "acceptDispute"),
            "assign": (
                ASSIGN,
                {"input": {"caseId": cid, "members": [{"userId": mediator, "role": "MEDIATOR"}]}},
                "assignMediationTeam",
            ),
            "session": (
                SESSION,
                {"input": {"caseId": cid, "heldAt": held, "notes": "n"}},
                "recordMediationSession",
            ),
            "resolve": (
                RESOLVE,
                {"input": {"caseId": cid, "terms": "t", "signedOn": today}},
                "resolveDispute",
            ),
            "fail": (FAIL, {"id": cid, "reason": "r"}, "markDisputeFailed"),
            "escalate": (ESCALATE, {"id": cid, "reason": "r"}, "escalateDispute"),
            "close": (CLOSE, {"id": cid}, "closeDispute"),
        }

    allowed = {
        "REPORTED": {"accept"},
        "ACCEPTED": {"assign", "escalate"},
        "IN_MEDIATION": {"assign", "session", "resolve", "fail", "escalate"},
        "RESOLVED": {"close"},  # (no follow-ups scheduled here)
        "FAILED": {"close"},
        "CLOSED": set(),
    }

    async def case_in(status: str) -> str:
        cid = ok(await report(client, w))["id"]
        if status == "REPORTED":
            return cid
        ok(await call(client, ACCEPT, {"id": cid}, tok, "acceptDispute"))
        if status == "ACCEPTED":
            return cid
        ok(await call(client, *attempts(cid)["assign"][:2], tok, "assignMediationTeam"))
        if status == "IN_MEDIATION":
            return cid
        if status in ("RESOLVED", "CLOSED"):
            ok(await call(client, *attempts(cid)["resolve"][:2], tok, "resolveDispute"))
        else:
            ok(await call(client, *attempts(cid)["fail"][:2], tok, "markDisputeFailed"))
        if status == "CLOSED":
            ok(await call(client, CLOSE, {"id": cid}, tok, "closeDispute"))
        return cid

    checked = 0
    for status, fine in allowed.items():
        cid = await case_in(status)
        before = (await client.data(GET, {"id": cid}, tok))["disputeCase"]
        events_before = await DisputeCaseEvent.all().count()
        for name, (query, variables, field) in attempts(cid).items():
            if name in fine:
                continue
            refused(await call(client, query, variables, tok, field), "INVALID_TRANSITION")
            checked += 1
        assert (await client.data(GET, {"id": cid}, tok))["disputeCase"] == before
        assert await DisputeCaseEvent.all().count() == events_before
    assert checked == 7 * 6 - sum(len(v) for v in allowed.values())


async def test_follow_up_refusals(client):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    cid = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, cid)
    today = _today()
    refused(
        await call(
            client,
            RESOLVE,
            {
                "input": {
                    "caseId": cid,
                    "terms": "t",
                    "signedOn": today.isoformat(),
                    "followUpDates": [(today - dt.timedelta(days=1)).isoformat()],
                }
            },
            tok,
            "resolveDispute",
        ),
        "INVALID_INPUT",
    )
    refused(
        await call(
            client,
            RESOLVE,
            {"input": {"caseId": cid, "terms": "t", "signedOn": (today + dt.timedelta(days=2)).isoformat()}},
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
    fu = case["followUps"][0]["id"]
    ok(
        await call(
            client, FOLLOW_UP, {"input": {"followUpId": fu, "agreementKept": False}}, tok, "completeFollowUp"
        )
    )
    refused(
        await call(
            client, FOLLOW_UP, {"input": {"followUpId": fu, "agreementKept": True}}, tok, "completeFollowUp"
        ),
        "INVALID_TRANSITION",
    )
    refused(
        await call(
            client,
            FOLLOW_UP,
            {"input": {"followUpId": "bogus", "agreementKept": True}},
            tok,
            "completeFollowUp",
        ),
        "NOT_FOUND",
    )
    case = (await client.data(GET, {"id": cid}, tok))["disputeCase"]
    assert case["followUps"][0]["agreementKept"] is False


async def test_team_members_must_be_covered_by_the_case_area(client):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    cid = ok(await report(client, w))["id"]
    ok(await call(client, ACCEPT, {"id": cid}, tok, "acceptDispute"))
    for outsider in ("c2_worker", "nobody", "resident"):
        err = refused(
            await call(
                client,
                ASSIGN,
                {
                    "input": {
                        "caseId": cid,
                        "members": [
                            {"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"},
                            {"userId": gid_of(w.users[outsider]), "role": "VOLUNTEER"},
                        ],
                    }
                },
                tok,
                "assignMediationTeam",
            ),
            "INVALID_TEAM_MEMBER",
        )
        assert err["field"] == ["input", "members", "1", "userId"]
    err = refused(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [{"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"}],
                    "caseOwnerId": gid_of(w.users["c2_worker"]),
                }
            },
            tok,
            "assignMediationTeam",
        ),
        "INVALID_TEAM_MEMBER",
    )
    assert err["field"] == ["input", "caseOwnerId"]
    refused(
        await call(client, ASSIGN, {"input": {"caseId": cid, "members": []}}, tok, "assignMediationTeam"),
        "INVALID_INPUT",
    )
    refused(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [{"userId": gid_of(w.users["c1_grid"]), "role": "GRID_LEADER"}],
                    "method": "CASE_OWNER",
                }
            },
            tok,
            "assignMediationTeam",
        ),
        "INVALID_INPUT",
    )
    # A user covered from above (district admin) may own the case without being on the team.
    case = ok(
        await call(
            client,
            ASSIGN,
            {
                "input": {
                    "caseId": cid,
                    "members": [{"userId": gid_of(w.users["c1_grid"]), "role": "GRID_LEADER"}],
                    "caseOwnerId": gid_of(w.users["district_admin"]),
                }
            },
            tok,
            "assignMediationTeam",
        )
    )
    assert case["caseOwner"]["username"] == "district_admin"
    assert await m.Notification.filter(kind="mediation.assigned").count() == 2
    assert await DisputeCase.filter(status="IN_MEDIATION").count() == 1


async def test_report_is_idempotent_by_client_mutation_id(client):
    w = await mediation_world()
    first = ok(await report(client, w, key="k-1"))
    again = ok(await report(client, w, key="k-1"))
    assert again["id"] == first["id"] and again["caseNumber"] == first["caseNumber"]
    other = ok(await report(client, w, key="k-2"))
    assert other["caseNumber"].endswith("000002")
    # The key is the reporter's own: another user's k-1 is a new report.
    assert ok(await report(client, w, "c1_mediator", key="k-1"))["caseNumber"].endswith("000003")
    assert await DisputeCase.all().count() == 3


async def test_report_validation(client):
    w = await mediation_world()
    refused(await report(client, w, parties=[]), "INVALID_INPUT")
    refused(await report(client, w, parties=[{"role": "APPLICANT"}]), "INVALID_INPUT")
    refused(await report(client, w, title="  "), "INVALID_INPUT")
    err = refused(
        await report(client, w, parties=[{"residentId": gid_of(w.residents["liu"]), "role": "APPLICANT"}]),
        "NOT_FOUND",
    )
    assert err["field"] == ["input", "parties", "0", "residentId"]
    refused(
        await report(
            client,
            w,
            parties=[
                {"residentId": gid_of(w.residents["zhang"]), "role": "APPLICANT"},
                {"residentId": gid_of(w.residents["zhang"]), "role": "RESPONDENT"},
            ],
        ),
        "INVALID_INPUT",
    )
    # Nothing half-made, and no case number used up.
    assert await DisputeCase.all().count() == 0
    assert ok(await report(client, w))["caseNumber"].endswith("-000001")


async def test_session_time_checks(client):
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    cid = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, cid)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    refused(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": future, "notes": "n"}},
            tok,
            "recordMediationSession",
        ),
        "INVALID_INPUT",
    )
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).isoformat()
    refused(
        await call(
            client,
            SESSION,
            {"input": {"caseId": cid, "heldAt": past, "notes": "n"}},
            tok,
            "recordMediationSession",
        ),
        "INVALID_INPUT",
    )


async def test_an_area_with_cases_cannot_be_deleted(client):
    from core.enums import AreaLevel
    from core.testing import make_area

    w = await mediation_world()
    empty = await make_area(AreaLevel.COMPOUND, "空置小区", w.c1)
    ok(await report(client, w, area=empty, parties=[{"name": "甲", "role": "APPLICANT"}]))
    data = await client.data(
        "mutation($id: ID!) { deleteArea(id: $id) { deletedId userErrors { code message } } }",
        {"id": gid_of(empty)},
        w.tokens["super"],
    )
    assert data["deleteArea"]["deletedId"] is None
    assert data["deleteArea"]["userErrors"][0]["code"] == "NOT_EMPTY"
    assert "dispute cases" in data["deleteArea"]["userErrors"][0]["message"]
