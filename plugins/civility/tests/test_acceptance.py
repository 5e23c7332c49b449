"""Acceptance review: the issue's words taken literally, as a front-end would use the API."""

from __future__ import annotations

from core.api.relay import gid_of
from core.ids import encode_gid
from core.testing import make_user, token_for
from plugins.civility.tests.helpers import (
    CANCEL,
    CREATE,
    CRITERIA,
    DECIDE,
    NOMINATE,
    NOMINATION,
    OBJECT,
    REVIEW,
    SCORE,
    VOTE,
    WITHDRAW,
    advance,
    civility_world,
    create_campaign,
    nominate,
    ok,
    refused,
    score,
)

NOTES = "{ myNotifications { edges { node { kind title subject { id } } } } }"


async def test_resident_of_the_area_nominates_a_neighbour(client):
    """Issue 5 does not restrict who nominates: a resident living in the campaign area may put
    forward another household or person of that area, even one they cannot otherwise read."""
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    star = await advance(client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY"))
    person = await advance(client, civ, await create_campaign(client, civ, kind="MODEL_PERSON"))

    # 王芳 lives in 中安街社区 (c2); the 张 household lives in 三湾街社区 (c1); both inside 济源路街道.
    data = {"campaignId": star["id"], "unitId": civ.gid(w.unit1), "reason": "邻里和睦，乐于助人"}
    n = await ok(client, NOMINATE, {"input": data}, t["wang"])
    assert n["status"] == "PENDING" and n["nomineeName"] == "张伟"
    assert n["unit"] is None  # still not readable by her: only the announced name is public
    assert await refused(client, NOMINATE, {"input": data}, t["resident"]) == "DUPLICATE"
    # The nominator may withdraw it again.
    assert (await ok(client, WITHDRAW, {"id": n["id"]}, t["wang"]))["status"] == "WITHDRAWN"

    p = await ok(
        client,
        NOMINATE,
        {
            "input": {
                "campaignId": person["id"],
                "residentId": civ.gid(w.residents["zhang"]),
                "reason": "热心公益",
            }
        },
        t["wang"],
    )
    assert p["nomineeName"] == "张伟" and p["resident"] is None

    # Outside the campaign area (金昌社区 lies in 峡窝镇): INVALID_TARGET; unknown ids: NOT_FOUND.
    outside = {"campaignId": star["id"], "unitId": civ.gid(w.unit3), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": outside}, t["wang"]) == "INVALID_TARGET"
    unknown = {"campaignId": star["id"], "unitId": encode_gid("Unit", 987654), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": unknown}, t["wang"]) == "NOT_FOUND"
    # A person's id where the household's is expected (and the reverse) is the wrong target.
    wrong_type = {"campaignId": star["id"], "unitId": gid_of(w.residents["wang"]), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": wrong_type}, t["wang"]) == "INVALID_TARGET"
    assert await refused(client, NOMINATE, {"input": wrong_type}, t["district_admin"]) == "INVALID_TARGET"
    wrong_type = {"campaignId": person["id"], "residentId": civ.gid(w.unit1), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": wrong_type}, t["c1_worker"]) == "INVALID_TARGET"
    # A resident living outside the campaign area does not even see the campaign.
    assert await refused(client, NOMINATE, {"input": data}, t["liu"]) == "NOT_FOUND"


async def test_status_alone_gates_each_step(client):
    """Issue 5 ties each action to a status only: the campaign reaches PUBLIC_NOTICE with nominations
    nobody reviewed, takes objections against any nomination still in the running, and publishes with
    an objection nobody decided. Only APPROVED nominations that pass are AWARDED."""
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY"))
    approved = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    unreviewed = await nominate(client, civ, campaign, "c2_worker", unit=w.unit2)
    campaign = await advance(client, civ, campaign)
    await ok(client, REVIEW, {"id": approved["id"], "approve": True}, t["assessor_a"])
    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "PUBLIC_NOTICE"

    objected = await ok(client, OBJECT, {"id": approved["id"], "reason": "材料不实"}, t["wang"])
    assert objected["objections"][0]["outcome"] is None
    against_pending = await ok(
        client, OBJECT, {"id": unreviewed["id"], "reason": "不符合条件"}, t["resident"]
    )
    await ok(client, DECIDE, {"id": against_pending["objections"][0]["id"], "uphold": True}, t["s1_manager"])

    campaign = await advance(client, civ, campaign)
    assert campaign["status"] == "PUBLISHED"
    final = (await client.data(NOMINATION, {"id": approved["id"]}, t["super"]))["nomination"]
    assert final["status"] == "AWARDED" and final["objections"][0]["outcome"] is None
    rejected = (await client.data(NOMINATION, {"id": unreviewed["id"]}, t["super"]))["nomination"]
    assert rejected["status"] == "REJECTED" and rejected["objections"][0]["outcome"] == "UPHELD"
    # Objections only during PUBLIC_NOTICE.
    assert (
        await refused(client, OBJECT, {"id": approved["id"], "reason": "晚了"}, t["wang"])
        == "INVALID_TRANSITION"
    )


async def test_unreviewed_nomination_is_not_awarded(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MODEL_PERSON"))
    n = await nominate(client, civ, campaign, "c1_worker", resident=w.residents["zhang"])
    campaign = await advance(client, civ, campaign, 3)
    assert campaign["status"] == "PUBLISHED"
    assert (await client.data(NOMINATION, {"id": n["id"]}, t["super"]))["nomination"]["status"] == "PENDING"
    assert (await client.data(NOTES, token=t["resident"]))["myNotifications"]["edges"] == []


async def test_model_person_award_notifies_the_household(client):
    """Publishing notifies the nominees' households: for a model person, every account of the
    person's household, not only the person's own."""
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    wife = token_for(await make_user("lina", [("resident", w.c1)], resident=w.residents["zhang_wife"]))
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MODEL_PERSON"))
    n = await nominate(client, civ, campaign, "c1_worker", resident=w.residents["zhang"])
    campaign = await advance(client, civ, campaign)
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
    campaign = await advance(client, civ, campaign, 2)
    assert campaign["status"] == "PUBLISHED"
    for token in (t["resident"], wife):
        notes = (await client.data(NOTES, token=token))["myNotifications"]["edges"]
        assert [(e["node"]["kind"], e["node"]["subject"]["id"]) for e in notes] == [
            ("civility.awarded", n["id"])
        ]
    assert (await client.data(NOTES, token=t["wang"]))["myNotifications"]["edges"] == []


async def test_criterion_bounds_keep_totals_finite(client):
    civ = await civility_world()
    t = civ.tokens["s1_manager"]
    base = {"title": "评选", "kind": "STAR_HOUSEHOLD", "areaId": civ.gid(civ.w.s1), "year": 2025}
    huge = [{"name": "a", "weight": 1e308, "maxScore": 10}, {"name": "b", "weight": 1e308, "maxScore": 10}]
    assert await refused(client, CREATE, {"input": {**base, "criteria": huge}}, t) == "OUT_OF_RANGE"
    huge_max = [{"name": "a", "weight": 1, "maxScore": 1e308}]
    assert await refused(client, CREATE, {"input": {**base, "criteria": huge_max}}, t) == "OUT_OF_RANGE"
    # The bound itself is accepted, and the arithmetic stays exact there.
    wide = [
        {"name": "a", "weight": 1_000_000, "maxScore": 1_000_000},
        {"name": "b", "weight": 1, "maxScore": 1},
    ]
    campaign = await ok(client, CREATE, {"input": {**base, "criteria": wide}}, t)
    campaign = await advance(client, civ, campaign)
    n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    await advance(client, civ, campaign)
    await score(client, civ, n, campaign["criteria"][0], 1_000_000, "assessor_a")
    scored = await score(client, civ, n, campaign["criteria"][1], 1, "assessor_a")
    assert scored["totalScore"] == 100.0 and scored["starLevel"] == 5


async def test_ids_no_row_can_have_read_as_unknown(client):
    """Ids whose number overflows the key column (or is zero or negative) are unknown, never a
    database error: queries answer null or NOT_FOUND, mutations a userError."""
    civ = await civility_world()
    t = civ.tokens
    campaign = await advance(client, civ, await create_campaign(client, civ))
    n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    await advance(client, civ, campaign)
    for number in (2**31, 2**63, 10**30, 0, -1):
        query = "query($c: ID!, $n: ID!) { civilityCampaign(id: $c) { id } nomination(id: $n) { id } }"
        data = await client.data(
            query,
            {"c": encode_gid("CivilityCampaign", number), "n": encode_gid("Nomination", number)},
            t["super"],
        )
        assert data == {"civilityCampaign": None, "nomination": None}
        body = await client(
            "query($a: ID!) { civilityCampaigns(areaId: $a) { totalCount } }",
            {"a": encode_gid("Subdistrict", number)},
            t["super"],
            errors_ok=True,
        )
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        sc = {"nominationId": n["id"], "criterionId": encode_gid("RatingCriterion", number), "score": 1}
        assert await refused(client, SCORE, {"input": sc}, t["assessor_a"]) == "NOT_FOUND"


async def test_voted_kinds_need_no_criteria_and_tolerate_thresholds(client):
    """MOST_BEAUTIFUL_FAMILY and MODEL_PERSON are "nominated and voted on" (contract): a campaign of
    those kinds may come without rating criteria, and star thresholds given for them are kept but
    never give stars. A STAR_HOUSEHOLD campaign still needs a criterion to score on."""
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    base = {"title": "最美家庭评选", "areaId": civ.gid(w.s1), "year": 2025, "criteria": []}
    assert (
        await refused(client, CREATE, {"input": {**base, "kind": "STAR_HOUSEHOLD"}}, t["s1_manager"])
        == "INVALID_INPUT"
    )
    thresholds = [{"stars": 1, "minScore": 60}]
    person = await ok(
        client,
        CREATE,
        {"input": {**base, "kind": "MODEL_PERSON", "starThresholds": thresholds}},
        t["s1_manager"],
    )
    assert person["criteria"] == [] and person["starThresholds"] == [{"stars": 1, "minScore": 60.0}]
    family = await ok(client, CREATE, {"input": {**base, "kind": "MOST_BEAUTIFUL_FAMILY"}}, t["s1_manager"])
    assert family["criteria"] == [] and family["starThresholds"] == []

    family = await advance(client, civ, family)
    n = await nominate(client, civ, family, "c1_worker", unit=w.unit1)
    await ok(client, VOTE, {"id": n["id"]}, t["wang"])
    family = await advance(client, civ, family)
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
    family = await advance(client, civ, family, 2)
    final = (await client.data(NOMINATION, {"id": n["id"]}, t["super"]))["nomination"]
    assert (final["status"], final["totalScore"], final["starLevel"], final["voteCount"]) == (
        "AWARDED",
        None,
        None,
        1,
    )


async def test_nul_characters_and_overlong_texts_are_invalid_input(client):
    """PostgreSQL cannot store NUL in text: every text input refuses it as INVALID_INPUT (on SQLite
    too, so that deployments behave alike), never an internal error."""
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    base = {
        "title": "评选",
        "kind": "STAR_HOUSEHOLD",
        "areaId": civ.gid(w.s1),
        "year": 2025,
        "criteria": CRITERIA,
    }
    bad_inputs = [
        {**base, "title": "评\x00选"},
        {**base, "criteria": [{"name": "爱国\x00", "weight": 1, "maxScore": 5}]},
        {**base, "criteria": [{"name": "爱国", "description": "\x00", "weight": 1, "maxScore": 5}]},
        {**base, "criteria": [{"name": "爱国", "description": "长" * 2001, "weight": 1, "maxScore": 5}]},
    ]
    for data in bad_inputs:
        assert await refused(client, CREATE, {"input": data}, t["s1_manager"]) == "INVALID_INPUT"
    campaign = await advance(client, civ, await create_campaign(client, civ, publicNoticeEndsOn=None))
    data = {"campaignId": campaign["id"], "unitId": civ.gid(w.unit1), "reason": "好\x00"}
    assert await refused(client, NOMINATE, {"input": data}, t["c1_worker"]) == "INVALID_INPUT"
    n = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    campaign = await advance(client, civ, campaign)
    assert (
        await refused(client, REVIEW, {"id": n["id"], "approve": True, "note": "\x00"}, t["assessor_a"])
        == "INVALID_INPUT"
    )
    sc = {
        "nominationId": n["id"],
        "criterionId": campaign["criteria"][0]["id"],
        "score": 5,
        "comment": "a\x00",
    }
    assert await refused(client, SCORE, {"input": sc}, t["assessor_a"]) == "INVALID_INPUT"
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
    await advance(client, civ, campaign)
    assert await refused(client, OBJECT, {"id": n["id"], "reason": "\x00不实"}, t["wang"]) == "INVALID_INPUT"
    assert (
        await refused(client, CANCEL, {"id": campaign["id"], "reason": "\x00"}, t["s1_manager"])
        == "INVALID_INPUT"
    )


async def _publish_star(client, civ, year: int, value: float) -> dict:
    campaign = await advance(
        client, civ, await create_campaign(client, civ, year=year, title=f"{year}年度星级文明户")
    )
    n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    campaign = await advance(client, civ, campaign)
    for criterion in campaign["criteria"]:
        await score(client, civ, n, criterion, criterion["maxScore"] * value, "assessor_a")
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, civ.tokens["assessor_a"])
    await advance(client, civ, campaign, 2)
    return n


async def test_honors_are_listed_newest_campaign_year_first(client):
    """Unit.civilityHonors "newest first" and Unit.currentStarLevel "most recent published campaign"
    go by the campaign's year, whatever order the campaigns were entered in."""
    civ = await civility_world()
    await _publish_star(client, civ, 2025, 0.85)  # 3 stars
    await _publish_star(client, civ, 2023, 0.96)  # entered later, for an earlier year: 5 stars
    query = """query($id: ID!) { node(id: $id) { ... on Unit { currentStarLevel
      civilityHonors { year starLevel } } } }"""
    unit = (await client.data(query, {"id": civ.gid(civ.w.unit1)}, civ.tokens["resident"]))["node"]
    assert unit == {
        "currentStarLevel": 3,
        "civilityHonors": [{"year": 2025, "starLevel": 3}, {"year": 2023, "starLevel": 5}],
    }


async def test_resident_who_moved_votes_where_they_live_now(client):
    """Moving house (moveResident) leaves the account's resident role on the old community; the
    resident still votes where they now live, and no longer where they left."""
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    moved = await client.data(
        "mutation($i: MoveResidentInput!) { moveResident(input: $i) { userErrors { code } } }",
        {
            "i": {
                "residentId": civ.gid(w.residents["zhang"]),
                "unitId": civ.gid(w.unit2),
                "relationToHead": "OTHER",
            }
        },
        t["s1_manager"],
    )
    assert moved["moveResident"]["userErrors"] == []
    new_home = await advance(
        client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY", area=w.c2)
    )
    old_home = await advance(
        client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY", area=w.c1)
    )
    n = await nominate(client, civ, new_home, "s1_manager", unit=w.unit2)
    assert (await ok(client, VOTE, {"id": n["id"]}, t["resident"]))["voteCount"] == 1
    old = await nominate(client, civ, old_home, "s1_manager", unit=w.unit1)
    assert await refused(client, VOTE, {"id": old["id"]}, t["resident"]) in ("NOT_FOUND", "NOT_ELIGIBLE")
