"""The demo year of cases: every status, consistent histories, numbers the counter can continue."""

from __future__ import annotations

import time
from collections import defaultdict

from core import models as m
from core.api.relay import gid_of
from core.demo import load_demo
from core.plugins import PluginHost
from core.testing import token_for
from plugins.mediation.enums import DisputeStatus as S
from plugins.mediation.models import CaseCounter, DisputeCase, DisputeCaseEvent, FollowUp
from plugins.mediation.tests.helpers import ok, report

STATS = """query($a: ID!) { mediationStats(areaId: $a) { total open resolved failed resolutionRate
  resolvedAtCompoundRate averageDaysToResolve byHandlingLevel { level count } } }"""


async def test_demo_data(client):
    started = time.monotonic()
    ctx = await load_demo(PluginHost(["mediation"]), residents_target=400)
    assert time.monotonic() - started < 60
    cases = await DisputeCase.all()
    assert len(cases) >= 300
    assert {c.status for c in cases} == set(S)
    assert {c.community_ref for c in cases} == {c.id for c in ctx.communities}

    events = defaultdict(list)
    for e in await DisputeCaseEvent.all().order_by("at", "id"):
        events[e.case_id].append(e)
    pending = set(await FollowUp.filter(done_at__isnull=True).values_list("case_id", flat=True))
    for case in cases:
        history = events[case.id]
        assert history[0].kind == "REPORTED" and history[0].at == case.reported_at
        moves = [e for e in history if e.to_status is not None]
        assert moves[-1].to_status == case.status, case.case_number
        assert all(
            a.to_status == b.from_status for a, b in zip(moves, moves[1:], strict=False) if b.from_status
        )
        if case.status == S.CLOSED and case.outcome == S.RESOLVED:
            assert case.id not in pending
        if case.outcome == S.RESOLVED:
            assert case.resolution_seconds == int((case.resolved_at - case.reported_at).total_seconds())
    # Numbers are gap-free per year, and the counter carries on after them.
    by_year = defaultdict(list)
    for case in cases:
        by_year[case.year].append(case.seq)
    for year, seqs in by_year.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert (await CaseCounter.get(year=year)).last_seq == len(seqs)

    worker = ctx.community_workers[ctx.communities[0].id]
    stats = (await client.data(STATS, {"a": gid_of(ctx.district)}, token_for(ctx.users["admin"])))[
        "mediationStats"
    ]
    assert stats["total"] == len(cases)
    assert stats["resolved"] + stats["failed"] + stats["open"] == len(cases)
    assert 0.85 < stats["resolutionRate"] < 0.99
    assert 0.5 < stats["resolvedAtCompoundRate"] < 0.95
    assert 1 < stats["averageDaysToResolve"] < 30
    assert await m.Notification.filter(kind="mediation.assigned").exists()
    assert await m.User.filter(username="mediator1").exists()
    # Each demo resident account reads the cases where it is a party, through the API.
    accounts = [u for u in ctx.users.values() if u.resident_id]
    assert accounts
    for account in accounts:
        mine = await client.data(
            """{ me { resident { disputeCases { totalCount } } }
            disputeCases { totalCount edges { node { parties { resident { id } } } } } }""",
            token=token_for(account),
        )
        assert mine["me"]["resident"]["disputeCases"]["totalCount"] >= 3, account.username
        assert mine["disputeCases"]["totalCount"] >= 1
        for edge in mine["disputeCases"]["edges"]:
            assert gid_of(await m.Resident.get(id=account.resident_id)) in {
                p["resident"]["id"] for p in edge["node"]["parties"] if p["resident"]
            }

    class W:  # what tests.helpers.report needs
        tokens = {"w": token_for(worker)}
        residents = {"zhang": next(r for r in ctx.residents if r.community_id == ctx.communities[0].id)}
        building1 = next(b for b in ctx.buildings if b.community_ref == ctx.communities[0].id)

    new = ok(await report(client, W, "w"))
    latest = max(by_year)
    assert new["caseNumber"] == f"MD-{latest}-{len(by_year[latest]) + 1:06d}"
