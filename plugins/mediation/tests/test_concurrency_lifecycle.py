"""The case state machine under concurrent requests (PostgreSQL): each move happens once per state it
starts from, and what depends on "what was there before" (newcomers notified) is counted once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from core import models as m
from core.api.relay import gid_of
from core.clock import local_date
from plugins.mediation.models import DisputeCaseEvent
from plugins.mediation.services.cases import now
from plugins.mediation.tests.helpers import (
    ACCEPT,
    ASSIGN,
    ESCALATE,
    FOLLOW_UP,
    RESOLVE,
    call,
    mediation_world,
    ok,
    report,
    to_in_mediation,
)
from tests.concurrency import outcome, postgres_only  # noqa: F401 (a fixture, used by name)

pytestmark = pytest.mark.usefixtures("postgres_only")

N = 8


async def _at_once(client, query, variables, token, field, n=N) -> Counter:
    payloads = await asyncio.gather(*(call(client, query, variables, token, field) for _ in range(n)))
    return Counter(outcome(p) for p in payloads)


async def test_a_case_accepted_at_once_is_accepted_once(client):
    w = await mediation_world()
    case = ok(await report(client, w))
    assert await _at_once(
        client, ACCEPT, {"id": case["id"]}, w.tokens["c1_worker"], "acceptDispute"
    ) == Counter({"OK": 1, "INVALID_TRANSITION@": N - 1})
    assert await DisputeCaseEvent.filter(kind="ACCEPTED").count() == 1


async def test_escalations_at_once_climb_one_level_each(client):
    """From COMPOUND: exactly two escalations (to COMMUNITY, to SUBDISTRICT) whatever the number sent."""
    w = await mediation_world()
    case = ok(await report(client, w))
    ok(await call(client, ACCEPT, {"id": case["id"]}, w.tokens["c1_worker"], "acceptDispute"))
    got = await _at_once(
        client, ESCALATE, {"id": case["id"], "reason": "协调不了"}, w.tokens["s1_manager"], "escalateDispute"
    )
    assert got == Counter({"OK": 2, "INVALID_TRANSITION@": N - 2})
    events = await DisputeCaseEvent.filter(kind="ESCALATED").order_by("id")
    assert [(e.from_level.value, e.to_level.value) for e in events] == [
        ("COMPOUND", "COMMUNITY"),
        ("COMMUNITY", "SUBDISTRICT"),
    ]


async def test_one_team_assigned_at_once_tells_each_member_once(client):
    w = await mediation_world()
    case = ok(await report(client, w))
    ok(await call(client, ACCEPT, {"id": case["id"]}, w.tokens["c1_worker"], "acceptDispute"))
    members = [
        {"userId": gid_of(w.users["c1_mediator"]), "role": "MEDIATOR"},
        {"userId": gid_of(w.users["c1_grid"]), "role": "GRID_LEADER"},
    ]
    data = {"input": {"caseId": case["id"], "members": members, "method": "ON_SITE"}}
    assert await _at_once(client, ASSIGN, data, w.tokens["c1_worker"], "assignMediationTeam") == Counter(
        {"OK": N}
    )
    for name in ("c1_mediator", "c1_grid"):
        assert await m.Notification.filter(user_id=w.users[name].id, kind="mediation.assigned").count() == 1


async def test_a_follow_up_completed_at_once_is_done_once(client):
    w = await mediation_world()
    case = await to_in_mediation(client, w, ok(await report(client, w))["id"])
    today = local_date(now()).isoformat()  # the plugin's calendar: China Standard Time
    resolved = ok(
        await call(
            client,
            RESOLVE,
            {"input": {"caseId": case["id"], "terms": "修好", "signedOn": today, "followUpDates": [today]}},
            w.tokens["c1_worker"],
            "resolveDispute",
        )
    )
    data = {"input": {"followUpId": resolved["followUps"][0]["id"], "agreementKept": True}}
    assert await _at_once(client, FOLLOW_UP, data, w.tokens["c1_worker"], "completeFollowUp") == Counter(
        {"OK": 1, "INVALID_TRANSITION@input.followUpId": N - 1}
    )
    assert await DisputeCaseEvent.filter(kind="FOLLOW_UP_DONE").count() == 1
