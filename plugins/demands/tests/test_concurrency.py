"""Racing requests. The point is PostgreSQL, where they run in parallel transactions (SQLite
serialises writers, so there the same tests only check the outcome)."""

from __future__ import annotations

import asyncio

from core.testing import make_user, token_for
from plugins.demands.models import Demand, DemandAssignment, DemandEvent, LedgerCounter, OrganizationLiaison
from plugins.demands.tests.helpers import ANSWER, assignment_of, call, demands_world, dispatch, ok, submit


async def test_concurrent_submissions_get_ledger_numbers_1_to_n(client):
    w = await demands_world()
    n = 20
    payloads = await asyncio.gather(*(submit(client, w, title=f"诉求{i}") for i in range(n)))
    numbers = sorted(ok(p)["ledgerNumber"] for p in payloads)
    year = numbers[0][3:7]
    assert numbers == [f"XQ-{year}-{i:06d}" for i in range(1, n + 1)]
    assert (await LedgerCounter.get(year=int(year))).last_seq == n
    times = await Demand.all().order_by("seq").values_list("submitted_at", flat=True)
    assert list(times) == sorted(times)  # numbers rise with submission time


async def test_concurrent_twins_with_one_client_mutation_id_make_one_demand(client):
    w = await demands_world()
    payloads = await asyncio.gather(*(submit(client, w, key="same") for _ in range(5)))
    ids = {ok(p)["id"] for p in payloads if not p["userErrors"]}
    assert len(ids) == 1
    assert all(p["userErrors"] == [] or p["userErrors"][0]["code"] == "DUPLICATE" for p in payloads)
    assert await Demand.all().count() == 1
    more = await asyncio.gather(*(submit(client, w) for _ in range(3)))
    assert sorted(ok(p)["ledgerNumber"][-6:] for p in more) == ["000002", "000003", "000004"]


async def test_concurrent_answers_to_one_offer_count_once(client):
    w = await demands_world()
    second = await make_user("property_liaison_2")
    await OrganizationLiaison.create(organization=w.orgs["property"], user=second)
    tokens = [w.tokens["property_liaison"], token_for(second)] * 3
    demand = ok(await dispatch(client, w, ok(await submit(client, w))["id"], "property"))
    offer = assignment_of(demand, "鑫源物业")
    answers = await asyncio.gather(
        *(
            call(
                client,
                ANSWER,
                {"input": {"assignmentId": offer, "accept": i % 2 == 0, "reason": "人手不足"}},
                tok,
            )
            for i, tok in enumerate(tokens)
        )
    )
    won = [a for a in answers if not a["userErrors"]]
    assert len(won) == 1
    assert all(a["userErrors"][0]["code"] == "INVALID_TRANSITION" for a in answers if a["userErrors"])
    status = won[0]["assignment"]["status"]
    row = await Demand.get(ledger_number=demand["ledgerNumber"])
    assert row.status.value == ("ACCEPTED" if status == "ACCEPTED" else "SUBMITTED")
    assert await DemandEvent.filter(demand_id=row.id, kind__in=["ACCEPTED", "OFFER_DECLINED"]).count() == 1


async def test_concurrent_last_declines_return_the_demand_once(client):
    w = await demands_world()
    orgs = ("property", "power", "water", "health")
    demand = ok(await dispatch(client, w, ok(await submit(client, w))["id"], *orgs))
    answers = await asyncio.gather(
        *(
            call(
                client,
                ANSWER,
                {
                    "input": {
                        "assignmentId": assignment_of(demand, w.orgs[o].name),
                        "accept": False,
                        "reason": "无法承接",
                    }
                },
                w.tokens[f"{o}_liaison"],
            )
            for o in orgs
        )
    )
    assert all(not a["userErrors"] for a in answers)
    row = await Demand.get(ledger_number=demand["ledgerNumber"])
    assert row.status.value == "SUBMITTED" and row.due_at is None
    returned = await DemandEvent.filter(
        demand_id=row.id, to_status="SUBMITTED", from_status="DISPATCHED"
    ).count()
    assert returned == 1
    assert await DemandAssignment.filter(demand_id=row.id, status="DECLINED").count() == 4


async def test_concurrent_acceptances_by_several_organisations_all_join(client):
    w = await demands_world()
    orgs = ("property", "power", "water", "health")
    demand = ok(await dispatch(client, w, ok(await submit(client, w))["id"], *orgs))
    answers = await asyncio.gather(
        *(
            call(
                client,
                ANSWER,
                {"input": {"assignmentId": assignment_of(demand, w.orgs[o].name), "accept": True}},
                w.tokens[f"{o}_liaison"],
            )
            for o in orgs
        )
    )
    assert all(not a["userErrors"] for a in answers)
    row = await Demand.get(ledger_number=demand["ledgerNumber"])
    assert row.status.value == "ACCEPTED"
    moved = await DemandEvent.filter(demand_id=row.id, kind="ACCEPTED", from_status="DISPATCHED").count()
    assert moved == 1
    assert await DemandEvent.filter(demand_id=row.id, kind="ACCEPTED").count() == 4
