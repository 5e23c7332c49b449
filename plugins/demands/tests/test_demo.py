"""The demo ledger: a year of demands in every status, the safety-education hall, the 建行家属院 whistle."""

from __future__ import annotations

from core import models as m
from core.api.relay import gid_of
from core.demo import load_demo
from core.plugins import PluginHost
from core.testing import TEST_PLUGINS, login, token_for
from plugins.demands.enums import DemandStatus
from plugins.demands.models import Demand

HALL = """query($s: String!) { demands(filter: {search: $s}, first: 5) { edges { node { scope status
  assignments { status organization { name } } rating { score } } } } }"""
WHISTLES = """query { whistles(first: 20) { totalCount edges { node { title status area { name }
  demand { title } calls { status organization { name } } } } } }"""


async def test_the_demo_ledger(client):
    ctx = await load_demo(PluginHost(TEST_PLUGINS), 300)
    tok = token_for(await m.User.get(username="admin"))
    statuses = set(await Demand.all().values_list("status", flat=True))
    assert {DemandStatus(s) if not isinstance(s, DemandStatus) else s for s in statuses} == set(DemandStatus)
    assert await Demand.all().count() > 1000
    assert {c.id for c in ctx.communities} == set(
        await Demand.all().distinct().values_list("community_ref", flat=True)
    )
    assert await Demand.filter(rating_comment__isnull=False).count() > 100

    hall = (await client.data(HALL, {"s": "安全教育馆"}, tok))["demands"]["edges"][0]["node"]
    assert hall["scope"] == "PUBLIC" and hall["status"] == "CLOSED" and hall["rating"]["score"] == 5
    assert [a["status"] for a in hall["assignments"]] == ["ACCEPTED"] * 16

    whistles = (await client.data(WHISTLES, token=tok))["whistles"]["edges"]
    cable = next(w["node"] for w in whistles if w["node"]["area"]["name"] == "建行家属院")
    assert cable["status"] == "RESOLVED" and cable["demand"]["title"] == "建行家属院线缆杂乱整治"
    assert {c["organization"]["name"] for c in cable["calls"]} == {
        "上街供电公司",
        "上街自来水公司",
        "中国电信上街分公司",
    }
    assert {c["status"] for c in cable["calls"]} == {"DONE"}
    # Liaison accounts sign in with the demo password and see their organisation's assignments.
    liaison = await login(client, "liaison1", "lastmile-demo")
    mine = await client.data(
        "query { myDemandOffers(first: 1) { totalCount } myWhistleCalls { status } }", token=liaison
    )
    assert mine["myDemandOffers"]["totalCount"] >= 0
    seen = (await client.data("query { demands(first: 1) { totalCount } }", token=liaison))["demands"]
    assert 0 < seen["totalCount"] < await Demand.all().count()  # only the demands offered to it
    assert gid_of(ctx.district)
