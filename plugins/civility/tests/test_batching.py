"""Lists cost a fixed number of SQL statements, however many rows they hold."""

from __future__ import annotations

from core.testing import count_statements, make_unit, token_for
from plugins.civility import models as cm
from plugins.civility.tests.helpers import (
    OBJECT,
    REVIEW,
    VOTE,
    advance,
    civility_world,
    create_campaign,
    ok,
    score,
)

LIST = """query($id: ID!) { civilityCampaign(id: $id) {
  title area { name } criteria { name } starThresholds { stars }
  nominations(first: 50) { totalCount edges { node {
    id status reason totalScore starLevel voteCount viewerHasVoted viewerCanAssess
    campaign { title votingOpen }
    unit { label building { name } }
    nominatedBy { username }
    scores { score criterion { name maxScore } assessor { username } }
    objections { reason outcome }
  } } } } }"""

CAMPAIGNS = """{ civilityCampaigns { totalCount edges { node { title area { name } criteria { name }
  nominations { totalCount edges { node { totalScore voteCount unit { label civilityHonors { year } currentStarLevel } } } } } } } }"""


async def _campaign_with(client, civ, count: int) -> dict:
    campaign = await advance(client, civ, await create_campaign(client, civ))
    ids = []
    for i in range(count):
        unit = await make_unit(civ.w.building1, f"{count}-{i:03d}")
        nomination = await ok(
            client,
            """mutation($input: NominateInput!) { nominate(input: $input) {
            nomination { id } userErrors { code } } }""",
            {"input": {"campaignId": campaign["id"], "unitId": civ.gid(unit), "reason": "好"}},
            civ.tokens["c1_worker"],
        )
        ids.append(nomination)
        await ok(client, VOTE, {"id": nomination["id"]}, civ.tokens["resident"])
    campaign = await advance(client, civ, campaign)
    for nomination in ids:
        for assessor in ("assessor_a", "assessor_b"):
            for criterion in campaign["criteria"]:
                await score(client, civ, nomination, criterion, 4, assessor)
        await ok(client, REVIEW, {"id": nomination["id"], "approve": True}, civ.tokens["assessor_a"])
    campaign = await advance(client, civ, campaign)
    for nomination in ids:
        await ok(client, OBJECT, {"id": nomination["id"], "reason": "有异议"}, civ.tokens["resident"])
    return campaign


async def _statements(client, query: str, variables: dict, token: str) -> tuple[int, dict]:
    with count_statements() as stmts:
        data = await client.data(query, variables, token)
    return len(stmts), data


async def test_nomination_list_is_batched(client):
    civ = await civility_world()
    small = await _campaign_with(client, civ, 2)
    large = await _campaign_with(client, civ, 7)
    token = token_for(civ.w.users["s1_manager"])
    n_small, d_small = await _statements(client, LIST, {"id": small["id"]}, token)
    n_large, d_large = await _statements(client, LIST, {"id": large["id"]}, token)
    edges = d_large["civilityCampaign"]["nominations"]["edges"]
    assert len(edges) == 7
    assert all(
        len(e["node"]["scores"]) == 4 and e["node"]["voteCount"] == 1 and e["node"]["objections"]
        for e in edges
    )
    assert n_large == n_small, (n_small, n_large)
    assert n_large <= 16

    # A list of campaigns with nested nominations and unit extensions: still bounded.
    n_all, data = await _statements(client, CAMPAIGNS, {}, token)
    assert data["civilityCampaigns"]["totalCount"] == 2
    await create_campaign(client, civ, kind="MODEL_PERSON")
    n_more, _ = await _statements(client, CAMPAIGNS, {}, token)
    assert n_more == n_all and n_all <= 14
    assert await cm.Vote.filter(id__gt=0).count() == 9


RANKED = """query($id: ID!, $order: NominationOrder) { civilityCampaign(id: $id) {
  nominations(orderBy: $order) { edges { node { id voteCount totalScore } } } } }"""


async def test_ranking_orders_are_batched(client):
    civ = await civility_world()
    campaign = await _campaign_with(client, civ, 4)
    noms = (await client.data(RANKED, {"id": campaign["id"], "order": "SUBMITTED"}, civ.tokens["super"]))[
        "civilityCampaign"
    ]["nominations"]["edges"]
    ids = [e["node"]["id"] for e in noms]
    # Give the third nomination an extra vote and the fourth the highest score.
    # (Voting has closed by now: the extra vote is written directly.)
    await cm.Vote.create(nomination_id=int(_pk(ids[2])), resident_id=civ.w.residents["wang"].id)
    await cm.Score.filter(nomination_id=int(_pk(ids[3]))).update(score=5)
    token = civ.tokens["super"]
    with count_statements() as by_votes:
        voted = await client.data(RANKED, {"id": campaign["id"], "order": "VOTES"}, token)
    with count_statements() as by_score:
        scored = await client.data(RANKED, {"id": campaign["id"], "order": "TOTAL_SCORE"}, token)
    assert [e["node"]["id"] for e in voted["civilityCampaign"]["nominations"]["edges"]] == [
        ids[2],
        ids[0],
        ids[1],
        ids[3],
    ]
    ranked = [e["node"] for e in scored["civilityCampaign"]["nominations"]["edges"]]
    assert ranked[0]["id"] == ids[3] and [n["id"] for n in ranked[1:]] == [ids[0], ids[1], ids[2]]
    assert ranked[0]["totalScore"] > ranked[1]["totalScore"]
    assert len(by_votes) <= 8 and len(by_score) <= 8, (len(by_votes), len(by_score))


def _pk(gid: str) -> str:
    from core.ids import decode_gid

    return decode_gid(gid)[1]
