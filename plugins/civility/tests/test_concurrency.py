"""Concurrent requests on PostgreSQL: constraints, not read-then-write checks, keep counts exact."""

from __future__ import annotations

import asyncio

import pytest

from core.enums import HouseholdRelation
from core.testing import make_resident, make_unit, make_user, token_for
from plugins.civility import models as cm
from plugins.civility.tests.helpers import (
    ADVANCE,
    DECIDE,
    NOMINATE,
    OBJECT,
    REVIEW,
    SCORE,
    VOTE,
    advance,
    civility_world,
    create_campaign,
    mutate,
    nominate,
)


@pytest.fixture(autouse=True)
def _postgres_only(on_postgres):
    if not on_postgres:
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")


async def _voting_campaign(client):
    civ = await civility_world()
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY"))
    nomination = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    return civ, campaign, nomination


async def test_thirty_residents_voting_at_once(client):
    civ, _, nomination = await _voting_campaign(client)
    tokens = []
    for i in range(30):
        unit = await make_unit(civ.w.building1, f"5-{i:03d}")
        resident = await make_resident(unit, f"居民{i}", HouseholdRelation.HEAD)
        tokens.append(token_for(await make_user(f"voter{i}", [("resident", civ.w.c1)], resident=resident)))
    results = await asyncio.gather(*(mutate(client, VOTE, {"id": nomination["id"]}, tk) for tk in tokens))
    assert all(r["userErrors"] == [] for r in results), [r["userErrors"] for r in results if r["userErrors"]]
    assert await cm.Vote.filter(nomination_id__gt=0).count() == 30
    final = await mutate(client, VOTE, {"id": nomination["id"]}, civ.tokens["resident"])
    assert final["nomination"]["voteCount"] == 31


async def test_same_resident_voting_ten_times_at_once(client):
    civ, _, nomination = await _voting_campaign(client)
    results = await asyncio.gather(
        *(mutate(client, VOTE, {"id": nomination["id"]}, civ.tokens["wang"]) for _ in range(10))
    )
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["DUPLICATE"] * 9 + ["OK"]
    assert await cm.Vote.filter(nomination_id__gt=0).count() == 1


async def test_concurrent_rescoring_keeps_one_score(client):
    civ, campaign, nomination = await _voting_campaign(client)
    campaign = await advance(client, civ, campaign)
    criterion = campaign["criteria"][0]
    results = await asyncio.gather(
        *(
            mutate(
                client,
                SCORE,
                {
                    "input": {
                        "nominationId": nomination["id"],
                        "criterionId": criterion["id"],
                        "score": float(v),
                    }
                },
                civ.tokens["assessor_a"],
            )
            for v in range(10)
        )
    )
    assert all(r["userErrors"] == [] for r in results)
    rows = await cm.Score.filter(nomination_id__gt=0)
    assert len(rows) == 1 and rows[0].score in {float(v) for v in range(10)}


ADVANCE_FROM = """mutation($id: ID!, $from: CampaignStatus) {
  advanceCivilityCampaign(campaignId: $id, expectedStatus: $from) { campaign { status } userErrors { code } } }"""
ORDER = ["DRAFT", "NOMINATING", "SCORING", "PUBLIC_NOTICE", "PUBLISHED"]


async def test_concurrent_advances_never_skip_a_step(client):
    civ = await civility_world()
    campaign = await create_campaign(client, civ)
    results = await asyncio.gather(
        *(
            mutate(client, ADVANCE_FROM, {"id": campaign["id"], "from": "DRAFT"}, civ.tokens["s1_manager"])
            for _ in range(5)
        )
    )
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["INVALID_TRANSITION"] * 4 + ["OK"]
    assert (await cm.Campaign.get(id__gt=0)).status.value == "NOMINATING"
    # Without expectedStatus each success is exactly one step from what that request saw.
    results = await asyncio.gather(
        *(mutate(client, ADVANCE, {"id": campaign["id"]}, civ.tokens["s1_manager"]) for _ in range(3))
    )
    successes = sum(1 for r in results if not r["userErrors"])
    assert all(r["userErrors"][0]["code"] == "INVALID_TRANSITION" for r in results if r["userErrors"])
    status = (await cm.Campaign.get(id__gt=0)).status.value
    assert ORDER.index(status) == 1 + successes


async def test_same_household_nominated_at_once(client):
    civ = await civility_world()
    campaign = await advance(client, civ, await create_campaign(client, civ))
    data = {"input": {"campaignId": campaign["id"], "unitId": civ.gid(civ.w.unit1), "reason": "好"}}
    results = await asyncio.gather(
        *(
            mutate(client, NOMINATE, data, civ.tokens[who])
            for who in ("c1_worker", "c1_grid", "s1_manager", "resident", "super")
        )
    )
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["DUPLICATE"] * 4 + ["OK"]
    assert await cm.Nomination.filter(campaign_id__gt=0).count() == 1


async def test_objection_decided_once_under_concurrency(client):
    civ = await civility_world()
    campaign = await advance(client, civ, await create_campaign(client, civ))
    n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    await advance(client, civ, campaign)
    await mutate(client, REVIEW, {"id": n["id"], "approve": True}, civ.tokens["assessor_a"])
    await advance(client, civ, campaign)
    filed = await mutate(client, OBJECT, {"id": n["id"], "reason": "异议"}, civ.tokens["wang"])
    objection_id = filed["nomination"]["objections"][0]["id"]
    results = await asyncio.gather(
        *(
            mutate(client, DECIDE, {"id": objection_id, "uphold": i % 2 == 0}, civ.tokens[who])
            for i, who in enumerate(("s1_manager", "super", "district_admin", "s1_manager"))
        )
    )
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["INVALID_TRANSITION"] * 3 + ["OK"]
    objection = await cm.Objection.get(id__gt=0)
    nomination = await cm.Nomination.get(id__gt=0)
    assert (nomination.status.value == "REJECTED") == objection.upheld
