"""Roles, who sees which campaigns, and who may act on them."""

from __future__ import annotations

from plugins.civility.tests.helpers import (
    ADVANCE,
    CAMPAIGN,
    NOMINATION,
    SCORE,
    advance,
    civility_world,
    create_campaign,
    nominate,
    refused,
)

ROLES = "{ roles { name permissions } }"
LIST = """query($area: ID) { civilityCampaigns(areaId: $area) { totalCount edges { node {
  title viewerCanManage area { name } } } } }"""


async def test_roles_carry_civility_permissions(client):
    civ = await civility_world()
    roles = {
        r["name"]: set(r["permissions"])
        for r in (await client.data(ROLES, token=civ.tokens["super"]))["roles"]
    }
    assert {"civility.campaign.read", "civility.assess"} <= roles["assessor"]
    assert "civility.campaign.manage" not in roles["assessor"]
    assert {"civility.campaign.read", "civility.campaign.manage", "civility.nominate"} <= roles[
        "area_manager"
    ]
    assert {"civility.campaign.read", "civility.nominate"} <= roles["community_worker"]
    assert {"civility.campaign.read", "civility.nominate"} <= roles["grid_worker"]
    assert "civility.assess" not in roles["community_worker"]
    assert roles["resident"] >= {"civility.vote"} and "civility.campaign.read" not in roles["resident"]
    assert "civility.assess" in roles["admin"]


async def _titles(client, token, area=None) -> set[str]:
    data = await client.data(LIST, {"area": area}, token)
    return {e["node"]["title"] for e in data["civilityCampaigns"]["edges"]}


async def test_who_sees_which_campaign(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    await create_campaign(client, civ, area=w.c1, title="三湾街")
    await create_campaign(client, civ, area=w.c2, title="中安街")
    await create_campaign(client, civ, area=w.district, token="district_admin", title="全区")
    # Scope within the campaign area, or the campaign area within the scope; residents: their home's areas.
    assert await _titles(client, t["super"]) == {"中安街", "全区", "三湾街"}
    assert await _titles(client, t["s1_manager"]) == {"中安街", "全区", "三湾街"}
    assert await _titles(client, t["c1_worker"]) == {"全区", "三湾街"}
    assert await _titles(client, t["c2_worker"]) == {"中安街", "全区"}
    assert await _titles(client, t["resident"]) == {"全区", "三湾街"}
    assert await _titles(client, t["liu"]) == {"全区"}
    anonymous = await client(LIST, {}, errors_ok=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # areaId: campaigns whose area is, contains or lies within it.
    assert await _titles(client, t["super"], civ.gid(w.c1)) == {"全区", "三湾街"}
    assert await _titles(client, t["super"], civ.gid(w.s1)) == {"中安街", "全区", "三湾街"}
    manage = {
        e["node"]["title"]: e["node"]["viewerCanManage"]
        for e in (await client.data(LIST, {}, t["s1_manager"]))["civilityCampaigns"]["edges"]
    }
    assert manage == {"三湾街": True, "中安街": True, "全区": False}
    # The campaign's area is shown even to a resident who may not read the area itself.
    edges = (await client.data(LIST, {}, t["liu"]))["civilityCampaigns"]["edges"]
    assert edges[0]["node"]["area"]["name"] == "上街区"


async def test_nominations_follow_their_campaign(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await advance(client, civ, await create_campaign(client, civ, area=w.c1))
    n = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    assert (await client.data(NOMINATION, {"id": n["id"]}, t["c2_worker"]))["nomination"] is None
    assert (await client.data(NOMINATION, {"id": n["id"]}, t["wang"]))["nomination"] is None
    assert (await client.data(CAMPAIGN, {"id": campaign["id"]}, t["c2_worker"]))["civilityCampaign"] is None
    node = await client.data(
        "query($id: ID!) { node(id: $id) { ... on Nomination { status } } }", {"id": n["id"]}, t["resident"]
    )
    assert node["node"] == {"status": "PENDING"}
    assert await refused(client, ADVANCE, {"id": campaign["id"]}, t["c2_worker"]) == "NOT_FOUND"


async def test_assessors_act_only_in_their_area(client):
    civ = await civility_world()
    w, t = civ.w, civ.tokens
    campaign = await create_campaign(client, civ, area=w.district, token="district_admin")
    campaign = await advance(client, civ, campaign, token="district_admin")
    inside = await nominate(client, civ, campaign, "c1_worker", unit=w.unit1)
    outside = await nominate(client, civ, campaign, "district_admin", unit=w.unit3)
    campaign = await advance(client, civ, campaign, token="district_admin")
    crit = campaign["criteria"][0]["id"]
    # assessor_a holds the assessor role over 济源路街道 only; unit3 lies in 峡窝镇.
    assert (
        await refused(
            client,
            SCORE,
            {"input": {"nominationId": outside["id"], "criterionId": crit, "score": 1}},
            t["assessor_a"],
        )
        == "FORBIDDEN"
    )
    payload = (
        await client.data(
            SCORE, {"input": {"nominationId": inside["id"], "criterionId": crit, "score": 1}}, t["assessor_a"]
        )
    )["scoreNomination"]
    assert payload["userErrors"] == [] and payload["nomination"]["totalScore"] is not None
    # The assessor sees the household being rated.
    assert payload["nomination"]["unit"]["label"] == "1-101"
