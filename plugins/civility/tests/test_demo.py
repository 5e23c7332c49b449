"""The demo data: a published star-household campaign and a running most-beautiful-family one."""

from __future__ import annotations

from core.demo import load_demo
from core.plugins import PluginHost
from core.testing import token_for

QUERY = """{ civilityCampaigns { totalCount edges { node {
  kind status year votingOpen
  nominations(first: 50) { totalCount edges { node { status starLevel totalScore voteCount } } } } } } }"""


async def test_demo_campaigns(client):
    ctx = await load_demo(PluginHost(["civility"]), residents_target=150)
    data = await client.data(QUERY, token=token_for(ctx.users["admin"]))
    campaigns = {e["node"]["kind"]: e["node"] for e in data["civilityCampaigns"]["edges"]}
    star = campaigns["STAR_HOUSEHOLD"]
    assert star["status"] == "PUBLISHED"
    noms = [e["node"] for e in star["nominations"]["edges"]]
    awarded = [n for n in noms if n["status"] == "AWARDED"]
    assert awarded and all(n["starLevel"] >= 1 and n["totalScore"] >= 60 for n in awarded)
    assert all(n["status"] == "APPROVED" and n["starLevel"] is None for n in noms if n not in awarded)
    family = campaigns["MOST_BEAUTIFUL_FAMILY"]
    assert family["status"] == "NOMINATING" and family["votingOpen"] is True
    assert family["nominations"]["totalCount"] >= 3
    assert all(e["node"]["voteCount"] >= 5 for e in family["nominations"]["edges"])
