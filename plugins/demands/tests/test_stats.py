"""DemandStats against figures worked out by hand, the overdue filter, and bounded SQL for lists."""

from __future__ import annotations

import datetime as dt

import pytest

from core.api.relay import gid_of
from core.testing import count_statements
from plugins.demands.models import Demand, WhistleCall
from plugins.demands.tests.helpers import (
    ANSWER,
    BLOW,
    DELIVER,
    RATE,
    REJECT,
    REPORT,
    WITHDRAW,
    answer,
    assignment_of,
    call,
    demands_world,
    dispatch,
    ok,
    submit,
)

STATS = """query($a: ID!, $from: DateTime, $to: DateTime) { demandStats(areaId: $a, from: $from, to: $to) {
  total open delivered closed rejected withdrawn resolutionRate onTimeRate averageScore satisfactionRate
  overdueOpen averageDaysToDeliver byCategory { category { name } count }
  organizations { organization { name } offered accepted declined delivered onTimeRate averageScore }
  top: organizations(first: 1) { organization { name } }
  whistlesBlown whistleReportOnTimeRate } }"""
COMMUNITIES = """query { communities(first: 10) { edges { node { name demandStats { total resolutionRate
  byCategory { count } organizations { delivered } whistlesBlown } } } } }"""
OVERDUE = """query($f: DemandFilter) { demands(filter: $f, first: 50) { totalCount edges { node { ledgerNumber overdue late } } } }"""


async def _backdate(payload: dict, days: int) -> None:
    await Demand.filter(ledger_number=payload["ledgerNumber"]).update(
        submitted_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    )


async def _deliver(client, w, demand: dict, org: str) -> None:
    ok(
        await call(
            client,
            DELIVER,
            {"input": {"demandId": demand["id"], "report": "完成"}},
            w.tokens[f"{org}_liaison"],
        )
    )


async def _ledger(client, w):
    """Seven demands in community 1 and one in community 2 (see the figures in the test)."""
    rate = lambda d, s: call(client, RATE, {"input": {"demandId": d["id"], "score": s}}, w.tokens["resident"])  # noqa: E731
    d1 = ok(await submit(client, w, title="d1"))
    await _backdate(d1, 2)
    d1 = ok(await dispatch(client, w, d1["id"], "property", "power"))
    ok(await answer(client, w, d1, "property"), "assignment")
    ok(await answer(client, w, d1, "power"), "assignment")
    await _deliver(client, w, d1, "property")
    ok(await rate(d1, 5))

    d2 = ok(await submit(client, w, title="d2", category=w.hall))
    await _backdate(d2, 4)
    d2 = ok(await dispatch(client, w, d2["id"], "property"))
    ok(await answer(client, w, d2, "property"), "assignment")
    await _deliver(client, w, d2, "property")
    ok(await rate(d2, 3))

    d3 = ok(await submit(client, w, title="d3"))
    await _backdate(d3, 6)
    d3 = ok(await dispatch(client, w, d3["id"], "power"))
    ok(await answer(client, w, d3, "power"), "assignment")
    await Demand.filter(ledger_number=d3["ledgerNumber"]).update(
        due_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    await _deliver(client, w, d3, "power")  # delivered late

    d4 = ok(await submit(client, w, title="d4"))
    d4 = ok(await dispatch(client, w, d4["id"], "property", "water"))
    ok(await answer(client, w, d4, "property"), "assignment")
    ok(
        await call(
            client,
            ANSWER,
            {
                "input": {
                    "assignmentId": assignment_of(d4, "自来水公司"),
                    "accept": False,
                    "reason": "不属于供水",
                }
            },
            w.tokens["water_liaison"],
        ),
        "assignment",
    )
    await Demand.filter(ledger_number=d4["ledgerNumber"]).update(
        due_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    )

    d5 = ok(await submit(client, w, title="d5"))
    d6 = ok(await submit(client, w, title="d6"))
    ok(await call(client, REJECT, {"id": d6["id"], "r": "重复"}, w.tokens["c1_worker"]))
    d7 = ok(await dispatch(client, w, ok(await submit(client, w, title="d7"))["id"], "health"))
    ok(await call(client, WITHDRAW, {"id": d7["id"]}, w.tokens["resident"]))
    ok(await submit(client, w, "c2_worker", submitter="wang", title="elsewhere"))

    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    whistle = ok(
        await call(
            client,
            BLOW,
            {
                "input": {
                    "areaId": gid_of(w.compound1),
                    "title": "线缆",
                    "description": "飞线",
                    "organizationIds": [gid_of(w.orgs["power"]), gid_of(w.orgs["water"])],
                    "reportBy": soon,
                }
            },
            w.tokens["s1_manager"],
        ),
        "whistle",
    )
    power = next(c["id"] for c in whistle["calls"] if c["organization"]["name"] == "供电公司")
    ok(
        await call(
            client,
            REPORT,
            {"input": {"whistleCallId": power, "commitment": "马上到"}},
            w.tokens["power_liaison"],
        ),
        "whistle",
    )
    await WhistleCall.filter(status="SUMMONED").update(
        report_by=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    )
    return d1, d2, d3, d4, d5


async def test_figures_match_the_hand_count(client):
    w = await demands_world()
    d1, d2, d3, d4, d5 = await _ledger(client, w)
    s = (await client.data(STATS, {"a": gid_of(w.c1)}, w.tokens["super"]))["demandStats"]
    assert (s["total"], s["open"], s["delivered"], s["closed"], s["rejected"], s["withdrawn"]) == (
        7,
        2,
        1,
        2,
        1,
        1,
    )
    assert s["resolutionRate"] == pytest.approx(3 / 6)  # (DELIVERED + CLOSED) / (total - WITHDRAWN)
    assert s["onTimeRate"] == pytest.approx(2 / 3)  # d3 was delivered after its dueAt
    assert s["averageScore"] == pytest.approx(4.0)
    assert s["satisfactionRate"] == pytest.approx(0.5)
    assert s["overdueOpen"] == 1  # d4
    assert s["averageDaysToDeliver"] == pytest.approx((2 + 4 + 6) / 3, abs=0.01)
    assert s["byCategory"] == [
        {"category": {"name": "维修"}, "count": 6},
        {"category": {"name": "公共设施"}, "count": 1},
    ]
    assert s["organizations"] == [
        {
            "organization": {"name": "鑫源物业"},
            "offered": 3,
            "accepted": 3,
            "declined": 0,
            "delivered": 2,
            "onTimeRate": 1.0,
            "averageScore": 4.0,
        },
        {
            "organization": {"name": "供电公司"},
            "offered": 2,
            "accepted": 2,
            "declined": 0,
            "delivered": 2,
            "onTimeRate": 0.5,
            "averageScore": 5.0,
        },
        {
            "organization": {"name": "自来水公司"},
            "offered": 1,
            "accepted": 0,
            "declined": 1,
            "delivered": 0,
            "onTimeRate": None,
            "averageScore": None,
        },
    ]  # the health commission's only offer was cancelled with the withdrawal
    assert s["top"] == [{"organization": {"name": "鑫源物业"}}]
    assert s["whistlesBlown"] == 1 and s["whistleReportOnTimeRate"] == pytest.approx(0.5)

    district = (await client.data(STATS, {"a": gid_of(w.district)}, w.tokens["super"]))["demandStats"]
    assert district["total"] == 8 and district["open"] == 3
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    empty = (await client.data(STATS, {"a": gid_of(w.c1), "from": future}, w.tokens["super"]))["demandStats"]
    assert empty["total"] == 0 and empty["resolutionRate"] is None and empty["organizations"] == []
    assert empty["whistlesBlown"] == 0 and empty["averageScore"] is None

    overdue = (await client.data(OVERDUE, {"f": {"overdue": True}}, w.tokens["super"]))["demands"]
    assert [e["node"]["ledgerNumber"] for e in overdue["edges"]] == [d4["ledgerNumber"]]
    assert overdue["edges"][0]["node"]["overdue"] and overdue["edges"][0]["node"]["late"]
    rest = (
        await client.data(
            OVERDUE, {"f": {"overdue": False, "status": ["DELIVERED", "CLOSED"]}}, w.tokens["super"]
        )
    )["demands"]
    assert {e["node"]["ledgerNumber"]: e["node"]["late"] for e in rest["edges"]} == {
        d1["ledgerNumber"]: False,
        d2["ledgerNumber"]: False,
        d3["ledgerNumber"]: True,
    }


async def test_community_stats_over_a_list_cost_a_fixed_number_of_statements(client):
    w = await demands_world()
    await _ledger(client, w)
    with count_statements() as sql:
        rows = (await client.data(COMMUNITIES, token=w.tokens["super"]))["communities"]["edges"]
    by_name = {r["node"]["name"]: r["node"]["demandStats"] for r in rows}
    assert by_name["三湾街社区"]["total"] == 7 and by_name["中安街社区"]["total"] == 1
    assert by_name["金昌社区"] == {
        "total": 0,
        "resolutionRate": None,
        "byCategory": [],
        "organizations": [],
        "whistlesBlown": 0,
    }
    # One statement per figure group whatever the number of communities.
    assert len(sql) <= 10, sql
