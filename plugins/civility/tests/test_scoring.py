"""The scoring arithmetic against figures computed by hand."""

from __future__ import annotations

import pytest

from plugins.civility import models as cm
from plugins.civility.tests.helpers import (
    NOMINATION,
    advance,
    civility_world,
    create_campaign,
    nominate,
    score,
)

THRESHOLDS = [{"stars": 1, "minScore": 60}, {"stars": 2, "minScore": 70}, {"stars": 3, "minScore": 80}]


async def test_weighted_mean_total_and_stars(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    # Criteria: 爱国守法 weight 2, maxScore 10; 家庭和睦 weight 1, maxScore 5 (sum of weights 3).
    campaign = await advance(client, civ, await create_campaign(client, civ, starThresholds=THRESHOLDS))
    n = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    half = await nominate(client, civ, campaign, "c2_worker", unit=w.unit2)
    campaign = await advance(client, civ, campaign)
    law, family = campaign["criteria"]
    assert (law["weight"], law["maxScore"], family["weight"], family["maxScore"]) == (2, 10, 1, 5)

    # A: 7 and 3; B: 8 and 4. Means 7.5/10 = 0.75 and 3.5/5 = 0.7.
    # Total = (0.75*2 + 0.7*1) / 3 * 100 = 2.2 / 3 * 100 = 73.333... -> 2 stars (70 <= 73.3 < 80).
    await score(client, civ, n, law, 7, "assessor_a")
    await score(client, civ, n, family, 3, "assessor_a")
    await score(client, civ, n, law, 8, "assessor_b")
    got = await score(client, civ, n, family, 4, "assessor_b")
    assert got["totalScore"] == pytest.approx(73.333333, abs=1e-5)
    assert got["starLevel"] == 2

    # A re-scores 爱国守法 as 9: it replaces the 7. Means 8.5/10 = 0.85 and 0.7.
    # Total = (0.85*2 + 0.7) / 3 * 100 = 2.4 / 3 * 100 = 80 -> exactly the 3-star threshold.
    got = await score(client, civ, n, law, 9, "assessor_a")
    assert got["totalScore"] == pytest.approx(80.0)
    assert got["starLevel"] == 3
    assert sorted((s["assessor"]["username"], s["criterion"]["name"], s["score"]) for s in got["scores"]) == [
        ("assessor_a", "家庭和睦", 3.0),
        ("assessor_a", "爱国守法", 9.0),
        ("assessor_b", "家庭和睦", 4.0),
        ("assessor_b", "爱国守法", 8.0),
    ]
    assert await cm.Score.filter(nomination_id__gt=0).count() == 4

    # Only 爱国守法 scored (10/10); 家庭和睦 unscored counts as 0.
    # Total = (1.0*2 + 0*1) / 3 * 100 = 66.666... -> 1 star.
    unscored = (await client.data(NOMINATION, {"id": half["id"]}, t["super"]))["nomination"]
    assert unscored["totalScore"] is None and unscored["starLevel"] is None
    got = await score(client, civ, half, law, 10, "assessor_b")
    assert got["totalScore"] == pytest.approx(66.666667, abs=1e-5)
    assert got["starLevel"] == 1
    # Below every threshold: no stars. 0/10 -> total 0.
    got = await score(client, civ, half, law, 0, "assessor_b")
    assert got["totalScore"] == 0 and got["starLevel"] is None


async def test_other_kinds_have_totals_but_no_stars(client):
    civ = await civility_world()
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY"))
    n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    campaign = await advance(client, civ, campaign)
    law, family = campaign["criteria"]
    await score(client, civ, n, law, 10, "assessor_a")
    got = await score(client, civ, n, family, 5, "assessor_a")
    assert got["totalScore"] == pytest.approx(100.0) and got["starLevel"] is None


def test_pure_arithmetic():
    from types import SimpleNamespace as C

    from plugins.civility.services.scoring import star_level, total_score

    crit = [C(id=1, weight=2.0, max_score=10.0), C(id=2, weight=1.0, max_score=5.0)]
    # (6/10*2 + 2.5/5*1) / 3 * 100 = (1.2 + 0.5) / 3 * 100 = 56.666...
    assert total_score(crit, {1: 6.0, 2: 2.5}) == pytest.approx(56.666667, abs=1e-5)
    assert total_score(crit, {}) is None
    assert star_level([{"stars": 5, "minScore": 95}, {"stars": 1, "minScore": 50}], 56.7) == 1
    assert star_level([{"stars": 1, "minScore": 60}], 59.99) is None
    assert star_level([{"stars": 1, "minScore": 60}], None) is None
