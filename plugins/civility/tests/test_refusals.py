"""Every refused action answers with its stable code and changes nothing."""

from __future__ import annotations

import datetime as dt

from core import clock
from core import models as m
from core.enums import HouseholdRelation, ResidentStatus
from core.testing import make_resident, make_user, token_for
from plugins.civility.tests.helpers import (
    ADVANCE,
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


def _input(civ, **changes):
    return {
        "input": {
            "title": "评选",
            "kind": "STAR_HOUSEHOLD",
            "areaId": civ.gid(civ.w.s1),
            "year": 2025,
            "criteria": CRITERIA,
            **changes,
        }
    }


async def test_create_validation(client):
    civ = await civility_world()
    t = civ.tokens["s1_manager"]
    assert await refused(client, CREATE, _input(civ, criteria=[]), t) == "INVALID_INPUT"
    assert (
        await refused(client, CREATE, _input(civ, criteria=[{"name": "a", "weight": 0, "maxScore": 5}]), t)
        == "INVALID_INPUT"
    )
    assert (
        await refused(client, CREATE, _input(civ, criteria=[{"name": "a", "weight": 1, "maxScore": -1}]), t)
        == "INVALID_INPUT"
    )
    assert (
        await refused(
            client, CREATE, _input(civ, criteria=[{"name": "a", "weight": 1, "maxScore": 5}] * 2), t
        )
        == "DUPLICATE"
    )
    assert (
        await refused(client, CREATE, _input(civ, starThresholds=[{"stars": 6, "minScore": 50}]), t)
        == "OUT_OF_RANGE"
    )
    assert (
        await refused(client, CREATE, _input(civ, starThresholds=[{"stars": 0, "minScore": 50}]), t)
        == "OUT_OF_RANGE"
    )
    assert (
        await refused(client, CREATE, _input(civ, starThresholds=[{"stars": 1, "minScore": 100.5}]), t)
        == "OUT_OF_RANGE"
    )
    assert (
        await refused(client, CREATE, _input(civ, starThresholds=[{"stars": 1, "minScore": -1}]), t)
        == "OUT_OF_RANGE"
    )
    assert (
        await refused(
            client,
            CREATE,
            _input(civ, starThresholds=[{"stars": 1, "minScore": 50}, {"stars": 1, "minScore": 60}]),
            t,
        )
        == "DUPLICATE"
    )
    assert (
        await refused(
            client,
            CREATE,
            _input(civ, starThresholds=[{"stars": 1, "minScore": 70}, {"stars": 2, "minScore": 60}]),
            t,
        )
        == "INVALID_INPUT"
    )
    # Thresholds for other kinds are checked like any (kept, never used: test_acceptance).
    assert (
        await refused(
            client,
            CREATE,
            _input(civ, kind="MODEL_PERSON", starThresholds=[{"stars": 1, "minScore": 170}]),
            t,
        )
        == "OUT_OF_RANGE"
    )
    assert await refused(client, CREATE, _input(civ, title="  "), t) == "INVALID_INPUT"
    assert await refused(client, CREATE, _input(civ, year=1800), t) == "OUT_OF_RANGE"
    # Out of the manager's scope: not found; visible but not managed: forbidden.
    assert await refused(client, CREATE, _input(civ, areaId=civ.gid(civ.w.c3)), t) == "NOT_FOUND"
    assert (
        await refused(client, CREATE, _input(civ, areaId=civ.gid(civ.w.c1)), civ.tokens["c1_worker"])
        == "FORBIDDEN"
    )
    assert await m.Area.filter(civility_campaigns__id__gt=0).count() == 0
    body = await client(CREATE, _input(civ), errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Given thresholds are stored in star order.
    created = await ok(
        client,
        CREATE,
        _input(civ, starThresholds=[{"stars": 3, "minScore": 85}, {"stars": 1, "minScore": 60}]),
        t,
    )
    assert created["starThresholds"] == [{"stars": 1, "minScore": 60.0}, {"stars": 3, "minScore": 85.0}]


async def test_lifecycle_refusals_change_nothing(client):
    civ = await civility_world()
    t = civ.tokens
    campaign = await create_campaign(client, civ)
    assert await refused(client, ADVANCE, {"id": campaign["id"]}, t["c1_worker"]) == "FORBIDDEN"
    stale = await client.data(
        "mutation($id: ID!) { advanceCivilityCampaign(campaignId: $id, expectedStatus: NOMINATING) {"
        " campaign { id } userErrors { code field } } }",
        {"id": campaign["id"]},
        t["s1_manager"],
    )
    assert stale["advanceCivilityCampaign"]["userErrors"] == [
        {"code": "INVALID_TRANSITION", "field": ["expectedStatus"]}
    ]
    assert (
        await refused(client, CANCEL, {"id": campaign["id"], "reason": " "}, t["s1_manager"])
        == "INVALID_INPUT"
    )
    campaign = await advance(client, civ, campaign)
    n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
    campaign = await advance(client, civ, campaign)
    await ok(client, REVIEW, {"id": n["id"], "approve": False}, t["assessor_a"])
    campaign = await advance(client, civ, campaign, 2)
    assert campaign["status"] == "PUBLISHED"
    assert await refused(client, ADVANCE, {"id": campaign["id"]}, t["s1_manager"]) == "INVALID_TRANSITION"
    assert (
        await refused(client, CANCEL, {"id": campaign["id"], "reason": "x"}, t["s1_manager"])
        == "INVALID_TRANSITION"
    )
    # A rejected nomination is never awarded.
    assert (await client.data(NOMINATION, {"id": n["id"]}, t["super"]))["nomination"]["status"] == "REJECTED"

    other = await create_campaign(client, civ, kind="MODEL_PERSON")
    cancelled = await ok(client, CANCEL, {"id": other["id"], "reason": "合并到区级评选"}, t["s1_manager"])
    assert cancelled["status"] == "CANCELLED" and cancelled["cancelReason"] == "合并到区级评选"
    assert await refused(client, ADVANCE, {"id": other["id"]}, t["s1_manager"]) == "INVALID_TRANSITION"
    assert (
        await refused(client, CANCEL, {"id": other["id"], "reason": "x"}, t["s1_manager"])
        == "INVALID_TRANSITION"
    )
    # Unknown or foreign ids read as not found.
    assert await refused(client, ADVANCE, {"id": n["id"]}, t["s1_manager"]) == "NOT_FOUND"
    assert await refused(client, ADVANCE, {"id": "bogus"}, t["s1_manager"]) == "NOT_FOUND"


async def test_nomination_refusals(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    star = await create_campaign(client, civ)
    data = {"campaignId": star["id"], "unitId": civ.gid(w.unit1), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": data}, t["c1_worker"]) == "INVALID_TRANSITION"  # DRAFT
    star = await advance(client, civ, star)
    person = await advance(client, civ, await create_campaign(client, civ, kind="MODEL_PERSON"))

    wrong = {"campaignId": star["id"], "residentId": civ.gid(w.residents["zhang"]), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": wrong}, t["c1_worker"]) == "INVALID_TARGET"
    wrong = {"campaignId": person["id"], "unitId": civ.gid(w.unit1), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": wrong}, t["c1_worker"]) == "INVALID_TARGET"
    outside = {"campaignId": star["id"], "unitId": civ.gid(w.unit3), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": outside}, t["district_admin"]) == "INVALID_TARGET"
    assert await refused(client, NOMINATE, {"input": outside}, t["c1_worker"]) == "NOT_FOUND"
    assert (
        await refused(client, NOMINATE, {"input": {**data, "reason": ""}}, t["c1_worker"]) == "INVALID_INPUT"
    )
    # The liu household lives outside the campaign area: the campaign is not even visible to it.
    own = {"campaignId": star["id"], "unitId": civ.gid(w.unit3), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": own}, t["liu"]) == "NOT_FOUND"
    # A staff member cannot nominate a household outside their own scope.
    assert await refused(client, NOMINATE, {"input": {**data}}, t["c2_worker"]) == "NOT_FOUND"

    first = await ok(client, NOMINATE, {"input": data}, t["resident"])  # own household
    assert first["status"] == "PENDING"
    assert await refused(client, NOMINATE, {"input": data}, t["c1_grid"]) == "DUPLICATE"
    # Withdrawn: only by the nominator or a manager; then it may be nominated again.
    assert await refused(client, WITHDRAW, {"id": first["id"]}, t["c1_grid"]) == "FORBIDDEN"
    assert (await ok(client, WITHDRAW, {"id": first["id"]}, t["resident"]))["status"] == "WITHDRAWN"
    assert await refused(client, WITHDRAW, {"id": first["id"]}, t["s1_manager"]) == "INVALID_TRANSITION"
    again = await ok(client, NOMINATE, {"input": data}, t["c1_grid"])
    assert again["id"] == first["id"] and again["status"] == "PENDING"

    # Residents may nominate themselves and household members (and neighbours: test_acceptance).
    me = await nominate(client, civ, person, "resident", resident=w.residents["zhang"])
    son = await nominate(client, civ, person, "resident", resident=w.residents["zhang_son"])
    assert me["resident"]["name"] == "张伟" and son["resident"]["name"] == "张小明"
    mover = await make_resident(w.unit1, "搬走的人", HouseholdRelation.OTHER, status=ResidentStatus.MOVED_OUT)
    gone = {"campaignId": person["id"], "residentId": civ.gid(mover), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": gone}, t["c1_worker"]) == "INVALID_TARGET"
    # Managers withdraw anyone's nomination; nothing can be nominated once scoring starts.
    assert await refused(client, WITHDRAW, {"id": son["id"]}, t["c1_worker"]) == "FORBIDDEN"
    assert (await ok(client, WITHDRAW, {"id": son["id"]}, t["s1_manager"]))["status"] == "WITHDRAWN"
    await advance(client, civ, person)
    late = {"campaignId": person["id"], "residentId": civ.gid(w.residents["wang"]), "reason": "好"}
    assert await refused(client, NOMINATE, {"input": late}, t["c2_worker"]) == "INVALID_TRANSITION"


async def test_review_and_score_refusals(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await advance(client, civ, await create_campaign(client, civ))
    other = await create_campaign(client, civ, kind="MODEL_PERSON")
    n = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    gone = await nominate(client, civ, campaign, "c2_worker", unit=w.unit2)
    law = campaign["criteria"][0]
    sc = {"nominationId": n["id"], "criterionId": law["id"], "score": 5}
    assert (
        await refused(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
        == "INVALID_TRANSITION"
    )
    assert await refused(client, SCORE, {"input": sc}, t["assessor_a"]) == "INVALID_TRANSITION"
    await ok(client, WITHDRAW, {"id": gone["id"]}, t["c2_worker"])
    campaign = await advance(client, civ, campaign)
    assert await refused(client, REVIEW, {"id": n["id"], "approve": True}, t["c1_worker"]) == "FORBIDDEN"
    assert await refused(client, SCORE, {"input": sc}, t["s1_manager"]) == "FORBIDDEN"
    assert await refused(client, SCORE, {"input": {**sc, "score": 10.5}}, t["assessor_a"]) == "OUT_OF_RANGE"
    assert await refused(client, SCORE, {"input": {**sc, "score": -0.5}}, t["assessor_a"]) == "OUT_OF_RANGE"
    family = campaign["criteria"][1]
    assert (
        await refused(
            client, SCORE, {"input": {**sc, "criterionId": family["id"], "score": 6}}, t["assessor_a"]
        )
        == "OUT_OF_RANGE"
    )
    foreign = {**sc, "criterionId": other["criteria"][0]["id"]}
    assert await refused(client, SCORE, {"input": foreign}, t["assessor_a"]) == "NOT_FOUND"
    assert (
        await refused(client, SCORE, {"input": {**sc, "nominationId": gone["id"]}}, t["assessor_a"])
        == "INVALID_TRANSITION"
    )
    assert (
        await refused(client, REVIEW, {"id": gone["id"], "approve": True}, t["assessor_a"])
        == "INVALID_TRANSITION"
    )
    # Boundaries are allowed; nothing was stored by the refusals above.
    scored = await score(client, civ, n, law, 10, "assessor_a")
    assert [s["score"] for s in scored["scores"]] == [10.0]
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
    await advance(client, civ, campaign)
    assert await refused(client, SCORE, {"input": sc}, t["assessor_a"]) == "INVALID_TRANSITION"
    assert (
        await refused(client, REVIEW, {"id": n["id"], "approve": False}, t["assessor_a"])
        == "INVALID_TRANSITION"
    )
    assert await refused(client, WITHDRAW, {"id": n["id"]}, t["s1_manager"]) == "INVALID_TRANSITION"


async def test_vote_refusals(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await advance(client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY"))
    n = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    withdrawn = await nominate(client, civ, campaign, "c2_worker", unit=w.unit2)
    await ok(client, WITHDRAW, {"id": withdrawn["id"]}, t["c2_worker"])

    assert (
        await refused(client, VOTE, {"id": n["id"]}, t["c1_worker"]) == "FORBIDDEN"
    )  # staff, not a resident
    assert await refused(client, VOTE, {"id": n["id"]}, t["liu"]) == "NOT_FOUND"  # lives outside: unseen
    moved = await make_resident(w.unit1, "已迁出", HouseholdRelation.OTHER, status=ResidentStatus.MOVED_OUT)
    moved_token = token_for(await make_user("moved", [("resident", w.c1)], resident=moved))
    # A moved-out resident's account keeps only their own record (docs/security.md): the campaign is unseen.
    assert await refused(client, VOTE, {"id": n["id"]}, moved_token) == "NOT_FOUND"
    no_role = token_for(await make_user("norole", resident=w.residents["zhang_son"]))
    assert await refused(client, VOTE, {"id": n["id"]}, no_role) == "FORBIDDEN"
    assert await refused(client, VOTE, {"id": withdrawn["id"]}, t["wang"]) == "INVALID_TRANSITION"

    assert (await ok(client, VOTE, {"id": n["id"]}, t["wang"]))["voteCount"] == 1
    assert await refused(client, VOTE, {"id": n["id"]}, t["wang"]) == "DUPLICATE"
    campaign = await advance(client, civ, campaign)
    assert (await ok(client, VOTE, {"id": n["id"]}, t["resident"]))["voteCount"] == 2  # SCORING: still open
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
    campaign = await advance(client, civ, campaign)
    assert campaign["votingOpen"] is False
    assert await refused(client, VOTE, {"id": n["id"]}, t["resident"]) == "INVALID_TRANSITION"
    final = (await client.data(NOMINATION, {"id": n["id"]}, t["wang"]))["nomination"]
    assert final["voteCount"] == 2 and final["viewerHasVoted"] is True


async def test_objection_refusals(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    notice_end = (clock.today() + dt.timedelta(days=7)).isoformat()
    campaign = await advance(client, civ, await create_campaign(client, civ, publicNoticeEndsOn=notice_end))
    n = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    bad = await nominate(client, civ, campaign, "c2_worker", unit=w.unit2)
    campaign = await advance(client, civ, campaign)
    assert await refused(client, OBJECT, {"id": n["id"], "reason": "x"}, t["wang"]) == "INVALID_TRANSITION"
    await ok(client, REVIEW, {"id": n["id"], "approve": True}, t["assessor_a"])
    await ok(client, REVIEW, {"id": bad["id"], "approve": False}, t["assessor_a"])
    campaign = await advance(client, civ, campaign)
    assert campaign["publicNoticeEndsOn"] == notice_end
    assert await refused(client, OBJECT, {"id": bad["id"], "reason": "x"}, t["wang"]) == "INVALID_TRANSITION"
    assert await refused(client, OBJECT, {"id": n["id"], "reason": "x"}, t["liu"]) == "NOT_FOUND"
    assert await refused(client, OBJECT, {"id": n["id"], "reason": ""}, t["wang"]) == "INVALID_INPUT"
    filed = await ok(client, OBJECT, {"id": n["id"], "reason": "不属实"}, t["wang"])
    objection_id = filed["objections"][0]["id"]
    assert await refused(client, DECIDE, {"id": objection_id, "uphold": True}, t["c1_worker"]) == "FORBIDDEN"
    assert await refused(client, DECIDE, {"id": objection_id, "uphold": True}, t["assessor_a"]) == "FORBIDDEN"
    await ok(client, DECIDE, {"id": objection_id, "uphold": False}, t["s1_manager"])
    assert (
        await refused(client, DECIDE, {"id": objection_id, "uphold": True}, t["s1_manager"])
        == "INVALID_TRANSITION"
    )
    assert await refused(client, DECIDE, {"id": "bogus", "uphold": True}, t["s1_manager"]) == "NOT_FOUND"
    # After the notice period's last day objections are refused.
    from plugins.civility import models as cm

    await cm.Campaign.filter(id__gt=0).update(public_notice_ends_on=clock.today() - dt.timedelta(days=1))
    assert await refused(client, OBJECT, {"id": n["id"], "reason": "晚了"}, t["wang"]) == "INVALID_TRANSITION"
    await advance(client, civ, campaign)
    assert await refused(client, OBJECT, {"id": n["id"], "reason": "x"}, t["wang"]) == "INVALID_TRANSITION"
