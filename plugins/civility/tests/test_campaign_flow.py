"""A whole STAR_HOUSEHOLD campaign through the API, and a MODEL_PERSON one with an upheld objection."""

from __future__ import annotations

import pytest

from core.models import AuditLog
from plugins.civility.tests.helpers import (
    DECIDE,
    NOMINATION,
    OBJECT,
    REVIEW,
    VOTE,
    advance,
    civility_world,
    create_campaign,
    nominate,
    ok,
    score,
)

UNIT_HONORS = """query($id: ID!) { node(id: $id) { ... on Unit {
  label currentStarLevel civilityHonors { year starLevel campaign { title status } nomination { status } } } } }"""
RESIDENT_HONORS = """query($id: ID!) { node(id: $id) { ... on Resident {
  name civilityHonors { year starLevel campaign { kind } nomination { status } } } } }"""
FILTERED = """query($id: ID!) { civilityCampaign(id: $id) {
  nominations(status: AWARDED) { totalCount } rejected: nominations(status: REJECTED) { totalCount } } }"""
LIST = """query($kind: CampaignKind, $year: Int, $status: CampaignStatus) {
  civilityCampaigns(kind: $kind, year: $year, status: $status) { totalCount } }"""
NOTES = "{ myNotifications { edges { node { kind title subject { id } } } } }"


async def test_star_household_campaign_end_to_end(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await create_campaign(client, civ)
    assert campaign["status"] == "DRAFT" and campaign["votingOpen"] is False
    assert campaign["area"]["name"] == "济源路街道"
    # No thresholds given: the documented default.
    assert campaign["starThresholds"] == [
        {"stars": 1, "minScore": 60.0},
        {"stars": 2, "minScore": 70.0},
        {"stars": 3, "minScore": 80.0},
        {"stars": 4, "minScore": 90.0},
        {"stars": 5, "minScore": 95.0},
    ]
    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "NOMINATING" and campaign["votingOpen"] is True

    n1 = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    n2 = await nominate(client, civ, campaign, "c2_worker", unit=w.unit2)
    assert n1["status"] == "PENDING" and n1["unit"]["label"] == "1-101"
    assert n1["totalScore"] is None and n1["starLevel"] is None

    voted = await ok(client, VOTE, {"id": n1["id"]}, t["wang"])
    assert voted["voteCount"] == 1 and voted["viewerHasVoted"] is True
    # 王芳 may not read the other household's unit, but the announced name is public.
    assert voted["unit"] is None and voted["nomineeName"] == "张伟"
    await ok(client, VOTE, {"id": n2["id"]}, t["resident"])

    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "SCORING" and campaign["votingOpen"] is True
    c_law, c_family = campaign["criteria"]
    # unit1: means 9/10 and 4.5/5 -> (0.9*2 + 0.9*1) / 3 * 100 = 90 -> 4 stars.
    await score(client, civ, n1, c_law, 8, "assessor_a")
    await score(client, civ, n1, c_family, 4, "assessor_a")
    await score(client, civ, n1, c_law, 10, "assessor_b")
    await score(client, civ, n1, c_family, 5, "assessor_b")
    # unit2: means 6.5/10 and 3/5 -> (0.65*2 + 0.6*1) / 3 * 100 = 63.333... -> 1 star.
    await score(client, civ, n2, c_law, 6, "assessor_a")
    await score(client, civ, n2, c_family, 3, "assessor_a")
    n2 = await score(client, civ, n2, c_law, 7, "assessor_b")
    assert n2["totalScore"] == pytest.approx(63.333333, abs=1e-5) and n2["starLevel"] == 1
    assert len(n2["scores"]) == 3 and n2["nomineeName"] == "王芳"
    # Residents see totals, not the assessors' single scores.
    seen = (await client.data(NOMINATION, {"id": n2["id"]}, t["resident"]))["nomination"]
    assert seen["totalScore"] == pytest.approx(63.333333, abs=1e-5) and seen["starLevel"] == 1
    assert seen["scores"] == []
    for n in (n1, n2):
        reviewed = await ok(client, REVIEW, {"id": n["id"], "approve": True, "note": "属实"}, t["assessor_a"])
        assert reviewed["status"] == "APPROVED"

    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "PUBLIC_NOTICE" and campaign["votingOpen"] is False
    objected = await ok(client, OBJECT, {"id": n2["id"], "reason": "该户存在违建"}, t["resident"])
    objection = objected["objections"][0]
    assert objection["outcome"] is None
    decided = await ok(client, DECIDE, {"id": objection["id"], "uphold": False}, t["s1_manager"])
    assert decided["objections"][0]["outcome"] == "DISMISSED" and decided["status"] == "APPROVED"

    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "PUBLISHED"
    n1 = (await client.data(NOMINATION, {"id": n1["id"]}, t["super"]))["nomination"]
    n2 = (await client.data(NOMINATION, {"id": n2["id"]}, t["super"]))["nomination"]
    assert (n1["status"], n1["starLevel"], n1["totalScore"]) == ("AWARDED", 4, pytest.approx(90.0))
    assert (n2["status"], n2["starLevel"]) == ("AWARDED", 1)
    assert n1["voteCount"] == 1 and len(n1["scores"]) == 4

    awarded = await client.data(FILTERED, {"id": campaign["id"]}, t["s1_manager"])
    assert awarded["civilityCampaign"]["nominations"]["totalCount"] == 2
    assert awarded["civilityCampaign"]["rejected"]["totalCount"] == 0
    found = await client.data(
        LIST, {"kind": "STAR_HOUSEHOLD", "year": 2025, "status": "PUBLISHED"}, t["c1_grid"]
    )
    assert found["civilityCampaigns"]["totalCount"] == 1
    assert (await client.data(LIST, {"kind": "MODEL_PERSON"}, t["c1_grid"]))["civilityCampaigns"][
        "totalCount"
    ] == 0
    assert (await client.data(LIST, {"year": 2024}, t["c1_grid"]))["civilityCampaigns"]["totalCount"] == 0
    assert await AuditLog.filter(action="civility.vote").count() == 2
    assert await AuditLog.filter(action="civility.advanceCampaign", detail="PUBLISHED").count() == 1

    unit = (await client.data(UNIT_HONORS, {"id": civ.gid(w.unit1)}, t["super"]))["node"]
    assert unit["currentStarLevel"] == 4
    assert unit["civilityHonors"] == [
        {
            "year": 2025,
            "starLevel": 4,
            "campaign": {"title": "2025年度评选", "status": "PUBLISHED"},
            "nomination": {"status": "AWARDED"},
        }
    ]
    # The household's own account (张伟 lives in unit1) is told, with the nomination as subject.
    notes = (await client.data(NOTES, token=t["resident"]))["myNotifications"]["edges"]
    assert [(e["node"]["kind"], e["node"]["subject"]["id"]) for e in notes] == [
        ("civility.awarded", n1["id"])
    ]
    assert "星级文明户" in notes[0]["node"]["title"]
    assert (await client.data(NOTES, token=t["wang"]))["myNotifications"]["edges"][0]["node"][
        "kind"
    ] == "civility.awarded"


async def test_model_person_with_upheld_objection(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await create_campaign(client, civ, kind="MODEL_PERSON")
    assert campaign["starThresholds"] == []
    campaign = await advance(client, civ, campaign)
    hero = await nominate(client, civ, campaign, "c1_worker", resident=w.residents["zhang"])
    other = await nominate(client, civ, campaign, "c2_worker", resident=w.residents["wang"])
    assert hero["resident"]["name"] == "张伟"
    campaign = await advance(client, civ, campaign)
    for n in (hero, other):
        await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_b"])
    campaign = await advance(client, civ, campaign)
    objected = await ok(client, OBJECT, {"id": other["id"], "reason": "事迹不实"}, t["c1_worker"])
    upheld = await ok(
        client, DECIDE, {"id": objected["objections"][0]["id"], "uphold": True}, t["s1_manager"]
    )
    assert upheld["status"] == "REJECTED" and upheld["objections"][0]["outcome"] == "UPHELD"
    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "PUBLISHED"
    hero = (await client.data(NOMINATION, {"id": hero["id"]}, t["super"]))["nomination"]
    other = (await client.data(NOMINATION, {"id": other["id"]}, t["super"]))["nomination"]
    # Unscored: no total, no stars; approved and not objected to is enough for this kind.
    assert (hero["status"], hero["totalScore"], hero["starLevel"]) == ("AWARDED", None, None)
    assert other["status"] == "REJECTED"
    person = (await client.data(RESIDENT_HONORS, {"id": civ.gid(w.residents["zhang"])}, t["super"]))["node"]
    assert person["civilityHonors"] == [
        {
            "year": 2025,
            "starLevel": None,
            "campaign": {"kind": "MODEL_PERSON"},
            "nomination": {"status": "AWARDED"},
        }
    ]
    assert (await client.data(RESIDENT_HONORS, {"id": civ.gid(w.residents["wang"])}, t["super"]))["node"][
        "civilityHonors"
    ] == []
    notes = (await client.data(NOTES, token=t["resident"]))["myNotifications"]["edges"]
    assert [e["node"]["kind"] for e in notes] == ["civility.awarded"]
    assert (await client.data(NOTES, token=t["wang"]))["myNotifications"]["edges"] == []


async def test_area_with_a_campaign_cannot_be_deleted(client):
    from core.enums import AreaLevel
    from core.testing import make_area

    civ = await civility_world()
    empty = await make_area(AreaLevel.COMMUNITY, "新社区", civ.w.s2)
    await create_campaign(client, civ, area=empty, token="district_admin")
    payload = (
        await client.data(
            "mutation($id: ID!) { deleteArea(id: $id) { userErrors { code message } } }",
            {"id": civ.gid(empty)},
            civ.tokens["super"],
        )
    )["deleteArea"]
    assert payload["userErrors"][0]["code"] == "NOT_EMPTY"
    assert "civility" in payload["userErrors"][0]["message"]
