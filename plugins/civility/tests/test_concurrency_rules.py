"""More civility rules under concurrent requests (PostgreSQL; docs/invariants.md).

Votes, scores, one nomination per household, campaign steps and objection
decisions are proven in test_concurrency.py; these are withdrawing, renewing a
withdrawn nomination, and publication (awards and their notices happen once).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from core import models as m
from plugins.civility import models as cm
from plugins.civility.tests.helpers import (
    NOMINATE,
    REVIEW,
    WITHDRAW,
    advance,
    civility_world,
    create_campaign,
    mutate,
    nominate,
)
from tests.concurrency import outcome, postgres_only  # noqa: F401 (a fixture, used by name)

pytestmark = pytest.mark.usefixtures("postgres_only")

N = 8
ADVANCE_FROM = """mutation($id: ID!, $from: CampaignStatus) {
  advanceCivilityCampaign(campaignId: $id, expectedStatus: $from) { campaign { status } userErrors { code field } } }"""


async def _at_once(client, doc: str, variables: dict, token: str, n: int = N) -> Counter:
    payloads = await asyncio.gather(*(mutate(client, doc, variables, token) for _ in range(n)))
    return Counter(outcome(p) for p in payloads)


async def test_a_nomination_withdrawn_and_renewed_at_once(client):
    civ = await civility_world()
    campaign = await advance(client, civ, await create_campaign(client, civ))
    nomination = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    assert await _at_once(client, WITHDRAW, {"id": nomination["id"]}, civ.tokens["c1_worker"]) == Counter(
        {"OK": 1, "INVALID_TRANSITION@nominationId": N - 1}
    )
    data = {"input": {"campaignId": campaign["id"], "unitId": civ.gid(civ.w.unit1), "reason": "再次推荐"}}
    assert await _at_once(client, NOMINATE, data, civ.tokens["c1_worker"]) == Counter(
        {"OK": 1, "DUPLICATE@input.unitId": N - 1}
    )
    assert await cm.Nomination.filter(campaign_id__gt=0).count() == 1
    assert await m.AuditLog.filter(action="civility.nominate", detail="renewed").count() == 1


async def test_a_campaign_published_at_once_awards_and_tells_once(client):
    civ = await civility_world()
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY"))
    nomination = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    await advance(client, civ, campaign)
    await mutate(client, REVIEW, {"id": nomination["id"], "approve": True}, civ.tokens["assessor_a"])
    await advance(client, civ, campaign)
    got = await _at_once(
        client, ADVANCE_FROM, {"id": campaign["id"], "from": "PUBLIC_NOTICE"}, civ.tokens["s1_manager"]
    )
    assert got == Counter({"OK": 1, "INVALID_TRANSITION@expectedStatus": N - 1})
    assert (await cm.Nomination.get(id__gt=0)).status.value == "AWARDED"
    # The household's one account (张伟's) hears of it once.
    assert await m.Notification.filter(kind="civility.awarded").count() == 1
