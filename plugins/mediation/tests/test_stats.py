"""MediationStats against figures computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from core import models as m
from core.api.relay import gid_of
from core.enums import AreaLevel
from core.testing import count_statements
from plugins.mediation.enums import DisputeCategory as C
from plugins.mediation.enums import DisputeStatus as S
from plugins.mediation.tests.helpers import (
    ESCALATE,
    RESOLVE,
    call,
    insert_case,
    mediation_world,
    ok,
    report,
    to_in_mediation,
)

FIELDS = """total open resolved failed resolutionRate resolvedAtCompoundRate averageDaysToResolve
  byCategory { category count } byHandlingLevel { level count }"""
STATS = f"""query($a: ID!, $from: DateTime, $to: DateTime) {{
  mediationStats(areaId: $a, from: $from, to: $to) {{ {FIELDS} }} }}"""
FROM, TO = "2025-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"
L = AreaLevel


def at(month: int, day: int = 1) -> dt.datetime:
    return dt.datetime(2025, month, day, 9, 0, tzinfo=dt.UTC)


async def _fixture(w):
    compound1 = w.compound1
    c2_compound = await m.Area.get(parent_id=w.c2.id)
    rows = [
        # community 1
        (compound1, S.RESOLVED, C.NEIGHBOR, L.COMPOUND, at(1), 2, None),
        (w.building1, S.CLOSED, C.NOISE, L.COMPOUND, at(2), 4, None),
        (compound1, S.CLOSED, C.NEIGHBOR, L.COMMUNITY, at(3), 10, None),  # escalated, then resolved
        (compound1, S.FAILED, C.FAMILY, L.COMMUNITY, at(4), None, None),
        (compound1, S.IN_MEDIATION, C.PARKING, L.COMPOUND, at(5), None, None),
        (compound1, S.REPORTED, C.NEIGHBOR, L.COMPOUND, at(12, 31), None, None),
        (w.c1, S.CLOSED, C.DEBT, L.SUBDISTRICT, at(6), None, None),  # failed, then closed
        # community 2
        (c2_compound, S.RESOLVED, C.LABOR, L.COMMUNITY, at(7), 1, None),
        (w.c2, S.REPORTED, C.OTHER, L.COMMUNITY, at(8), None, None),
        # community 3
        (w.c3, S.ACCEPTED, C.NEIGHBOR, L.COMMUNITY, at(9), None, None),
    ]
    for seq, (area, status, cat, level, reported, days, _) in enumerate(rows, start=1):
        await insert_case(
            area, seq, status=status, category=cat, level=level, reported_at=reported, resolved_days=days
        )
    # Outside the period: reported just before `from`, and exactly at `to`.
    await insert_case(
        compound1,
        100,
        status=S.RESOLVED,
        reported_at=dt.datetime(2024, 12, 31, 23, 59, tzinfo=dt.UTC),
        resolved_days=1,
    )
    await insert_case(compound1, 101, status=S.REPORTED, reported_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


async def test_stats_of_a_community_match_hand_computed_figures(client):
    w = await mediation_world()
    await _fixture(w)
    s = (await client.data(STATS, {"a": gid_of(w.c1), "from": FROM, "to": TO}, w.tokens["c1_worker"]))[
        "mediationStats"
    ]
    assert (s["total"], s["open"], s["resolved"], s["failed"]) == (7, 2, 3, 2)
    assert s["resolutionRate"] == pytest.approx(3 / 5)
    assert s["resolvedAtCompoundRate"] == pytest.approx(2 / 3)
    assert s["averageDaysToResolve"] == pytest.approx((2 + 4 + 10) / 3)
    assert s["byCategory"] == [
        {"category": "NEIGHBOR", "count": 3},
        {"category": "FAMILY", "count": 1},
        {"category": "DEBT", "count": 1},
        {"category": "NOISE", "count": 1},
        {"category": "PARKING", "count": 1},
    ]
    assert s["byHandlingLevel"] == [
        {"level": "COMPOUND", "count": 4},
        {"level": "COMMUNITY", "count": 2},
        {"level": "SUBDISTRICT", "count": 1},
    ]


async def test_stats_roll_up_and_narrow_down(client):
    w = await mediation_world()
    await _fixture(w)
    tok = w.tokens["district_admin"]
    s1 = (await client.data(STATS, {"a": gid_of(w.s1), "from": FROM, "to": TO}, tok))["mediationStats"]
    assert (s1["total"], s1["open"], s1["resolved"], s1["failed"]) == (9, 3, 4, 2)
    assert s1["resolutionRate"] == pytest.approx(4 / 6)
    assert s1["resolvedAtCompoundRate"] == pytest.approx(2 / 4)
    assert s1["averageDaysToResolve"] == pytest.approx((2 + 4 + 10 + 1) / 4)
    district = (await client.data(STATS, {"a": gid_of(w.district), "from": FROM, "to": TO}, tok))[
        "mediationStats"
    ]
    assert district["total"] == 10
    # No period: the two cases outside it count too.
    assert (await client.data(STATS, {"a": gid_of(w.district)}, tok))["mediationStats"]["total"] == 12
    # At the building: only the case reported there.
    b = (await client.data(STATS, {"a": gid_of(w.building1), "from": FROM, "to": TO}, tok))["mediationStats"]
    assert (b["total"], b["resolved"], b["resolvedAtCompoundRate"]) == (1, 1, 1.0)
    # Nothing at all: rates are null, lists empty.
    c3 = (await client.data(STATS, {"a": gid_of(w.c3), "from": TO}, tok))["mediationStats"]
    assert c3 == {
        "total": 0,
        "open": 0,
        "resolved": 0,
        "failed": 0,
        "resolutionRate": None,
        "resolvedAtCompoundRate": None,
        "averageDaysToResolve": None,
        "byCategory": [],
        "byHandlingLevel": [],
    }
    body = await client(STATS, {"a": gid_of(w.c1), "from": TO, "to": FROM}, tok, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_community_stats_are_batched_in_one_statement(client):
    w = await mediation_world()
    await _fixture(w)
    query = """query($from: DateTime, $to: DateTime) { communities { edges { node { name
      mediationStats(from: $from, to: $to) { total resolved failed resolutionRate } } } } }"""
    with count_statements() as statements:
        data = await client.data(query, {"from": FROM, "to": TO}, w.tokens["district_admin"])
    got = {e["node"]["name"]: e["node"]["mediationStats"] for e in data["communities"]["edges"]}
    assert got["三湾街社区"] == {"total": 7, "resolved": 3, "failed": 2, "resolutionRate": pytest.approx(0.6)}
    assert got["中安街社区"] == {"total": 2, "resolved": 1, "failed": 0, "resolutionRate": 1.0}
    assert got["金昌社区"] == {"total": 1, "resolved": 0, "failed": 0, "resolutionRate": None}
    assert len([s for s in statements if "mediation_dispute_case" in s]) == 1


async def test_stats_follow_the_lifecycle(client):
    """Resolution through the API stores the level and duration the figures are computed from."""
    w = await mediation_world()
    tok = w.tokens["c1_worker"]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    first = ok(await report(client, w))["id"]
    await to_in_mediation(client, w, first)
    ok(
        await call(
            client,
            RESOLVE,
            {"input": {"caseId": first, "terms": "t", "signedOn": today}},
            tok,
            "resolveDispute",
        )
    )
    second = ok(await report(client, w, category="NOISE"))["id"]
    await to_in_mediation(client, w, second)
    ok(await call(client, ESCALATE, {"id": second, "reason": "r"}, tok, "escalateDispute"))
    ok(
        await call(
            client,
            "mutation($input: AssignMediationTeamInput!) { assignMediationTeam(input: $input) { userErrors { code } disputeCase { status } } }",
            {
                "input": {
                    "caseId": second,
                    "members": [{"userId": gid_of(w.users["c1_worker"]), "role": "COMMUNITY_HEAD"}],
                }
            },
            tok,
            "assignMediationTeam",
        )
    )
    ok(
        await call(
            client,
            RESOLVE,
            {"input": {"caseId": second, "terms": "t", "signedOn": today}},
            tok,
            "resolveDispute",
        )
    )
    s = (await client.data(STATS, {"a": gid_of(w.c1)}, tok))["mediationStats"]
    assert (s["total"], s["resolved"], s["resolutionRate"], s["resolvedAtCompoundRate"]) == (2, 2, 1.0, 0.5)
    assert 0 <= s["averageDaysToResolve"] < 0.01
    assert s["byHandlingLevel"] == [{"level": "COMPOUND", "count": 1}, {"level": "COMMUNITY", "count": 1}]


async def test_resolved_in_period_counts_by_resolution_date(client):
    """The report's "disputes resolved a year": a case reported in December and settled in January
    is resolved in January's year, though it was reported in the year before."""
    w = await mediation_world()
    december = dt.datetime(2025, 12, 20, 2, tzinfo=dt.UTC)
    await insert_case(
        w.compound1, 1, status=S.RESOLVED, reported_at=december, resolved_days=20
    )  # settled 2026-01-09
    await insert_case(
        w.compound1, 2, status=S.RESOLVED, reported_at=december, resolved_days=2
    )  # settled 2025-12-22
    await insert_case(
        w.compound1, 3, status=S.CLOSED, reported_at=december + dt.timedelta(days=30), resolved_days=1
    )  # reported and settled in 2026, closed since
    await insert_case(w.compound1, 4, status=S.FAILED, reported_at=december + dt.timedelta(days=30))
    y2025 = {"from": "2025-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}
    y2026 = {"from": "2026-01-01T00:00:00+08:00", "to": "2027-01-01T00:00:00+08:00"}
    q = """query($a: ID!, $from: DateTime, $to: DateTime) {
      mediationStats(areaId: $a, from: $from, to: $to) { total resolved resolvedInPeriod } }"""
    tok = w.tokens["c1_worker"]
    s25 = (await client.data(q, {"a": gid_of(w.c1), **y2025}, tok))["mediationStats"]
    s26 = (await client.data(q, {"a": gid_of(w.c1), **y2026}, tok))["mediationStats"]
    assert s25 == {"total": 2, "resolved": 2, "resolvedInPeriod": 1}
    assert s26 == {"total": 2, "resolved": 1, "resolvedInPeriod": 2}
    every = (await client.data(q, {"a": gid_of(w.c1)}, tok))["mediationStats"]
    assert every["resolvedInPeriod"] == every["resolved"] == 3
    # Out of scope cases are not counted.
    assert (await client.data(q, {"a": gid_of(w.c2), **y2026}, w.tokens["c2_worker"]))["mediationStats"][
        "resolvedInPeriod"
    ] == 0
    # Per community in one more statement, not one per community.
    query = """query($from: DateTime, $to: DateTime) { communities { edges { node { name
      mediationStats(from: $from, to: $to) { resolved resolvedInPeriod } } } } }"""
    with count_statements() as statements:
        data = await client.data(query, y2026, w.tokens["district_admin"])
    got = {e["node"]["name"]: e["node"]["mediationStats"] for e in data["communities"]["edges"]}
    assert got["三湾街社区"] == {"resolved": 1, "resolvedInPeriod": 2}
    assert got["金昌社区"] == {"resolved": 0, "resolvedInPeriod": 0}
    assert len([s for s in statements if "mediation_dispute_case" in s]) == 2
