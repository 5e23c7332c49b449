"""The demo data: teams everywhere, a season of activities, consistent counts."""

from __future__ import annotations

from core.demo import load_demo
from core.plugins import PluginHost
from core.testing import token_for
from plugins.volunteers import models as vm
from plugins.volunteers.enums import SignupStatus

QUERY = """{ communities { edges { node { name volunteerStats { volunteerCount activityCount verifiedHours } } } }
  volunteerTeams(first: 100) { name area { name } leader { id } memberCount }
  volunteerActivities(first: 100) { totalCount edges { node { status signupCount capacity
    signups(first: 100) { edges { node { status hours verified } } } } } } }"""


async def test_demo_data_covers_every_community_and_status(client):
    ctx = await load_demo(PluginHost(["volunteers"]), residents_target=400)
    admin = token_for(ctx.users["admin"])
    data = await client.data(QUERY, token=admin)
    communities = {e["node"]["name"] for e in data["communities"]["edges"]}
    assert {t["area"]["name"] for t in data["volunteerTeams"]} == communities
    assert all(t["leader"] and t["memberCount"] >= 1 for t in data["volunteerTeams"])
    activities = [e["node"] for e in data["volunteerActivities"]["edges"]]
    assert {a["status"] for a in activities} == {"PLANNED", "OPEN", "CLOSED", "COMPLETED", "CANCELLED"}
    for a in activities:
        held = [s for s in a["signups"]["edges"] if s["node"]["status"] != "CANCELLED"]
        assert a["signupCount"] == len(held)
        assert a["capacity"] is None or a["signupCount"] <= a["capacity"]
    statuses = {s["node"]["status"] for a in activities for s in a["signups"]["edges"]}
    assert {"CHECKED_OUT", "CHECKED_IN", "SIGNED_UP", "CANCELLED"} <= statuses
    assert any(s["node"]["verified"] for a in activities for s in a["signups"]["edges"])
    assert all(e["node"]["volunteerStats"]["verifiedHours"] > 0 for e in data["communities"]["edges"])
    assert await vm.ServiceLog.all().count() > 0
    assert await vm.ActivitySignup.filter(status=SignupStatus.NO_SHOW).count() > 0
