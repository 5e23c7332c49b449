"""The notice board through the public API, with core.testing."""

from pathlib import Path
from types import SimpleNamespace

from lastmile_noticeboard.models import Notice
from lastmile_noticeboard.plugin import lastmile_demo_data

from core.testing import build_world, count_statements, make_area, subscribe

POST = """mutation($c: ID!, $t: String!, $b: String!, $p: Boolean! = false) {
  postNotice(input: {communityId: $c, title: $t, body: $b, pinned: $p}) {
    notice { id title pinned community { name } } userErrors { field code }
  }
}"""
NOTICES = "query($c: ID) { notices(communityId: $c, first: 10) { totalCount edges { node { title } } } }"


async def post(client, w, who, community, title="停水通知", body="周三停水", **extra):
    data = await client.data(POST, {"c": w.gid(community), "t": title, "b": body, **extra}, w.tokens[who])
    return data["postNotice"]


async def test_a_worker_posts_and_the_community_reads_it(client):
    w = await build_world()
    done = await post(client, w, "c1_worker", w.c1, p=True)
    assert done["userErrors"] == [] and done["notice"]["community"]["name"] == w.c1.name
    for reader in ("c1_worker", "resident", "s1_manager"):
        assert (await client.data(NOTICES, token=w.tokens[reader]))["notices"]["totalCount"] == 1, reader
    # Out of scope reads as absent, by list and by node id.
    assert (await client.data(NOTICES, token=w.tokens["c2_worker"]))["notices"]["totalCount"] == 0
    node = await client.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": done["notice"]["id"]}, w.tokens["c2_worker"]
    )
    assert node["node"] is None
    mine = await client.data(
        "{ myNotifications(first: 5) { edges { node { kind title } } } }", token=w.tokens["resident"]
    )
    assert [e["node"] for e in mine["myNotifications"]["edges"]] == [
        {"kind": "noticeboard.posted", "title": "停水通知"}
    ]


async def test_refusals_are_user_errors_and_write_nothing(client):
    w = await build_world()
    assert (await post(client, w, "c1_worker", w.c1, title="  "))["userErrors"] == [
        {"field": ["input", "title"], "code": "INVALID_INPUT"}
    ]
    assert (await post(client, w, "c1_grid", w.c1))["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await post(client, w, "c2_worker", w.c1))["userErrors"][0]["code"] == "NOT_FOUND"
    assert (await post(client, w, "c1_worker", w.compound1))["userErrors"][0]["code"] == "NOT_FOUND"
    assert await Notice.all().count() == 0


async def test_community_notices_batch_in_one_query(client):
    w = await build_world()
    query = "{ communities(first: 20) { edges { node { name notices { title } } } } }"
    await post(client, w, "district_admin", w.c1)
    with count_statements() as few:
        await client.data(query, token=w.tokens["district_admin"])
    for i in range(5):
        extra = await make_area(w.c1.level, f"新社区{i}", w.s1)
        await post(client, w, "district_admin", extra)
    with count_statements() as many:
        body = await client.data(query, token=w.tokens["district_admin"])
    assert len(many) == len(few)
    assert sum(len(e["node"]["notices"]) for e in body["communities"]["edges"]) == 6


async def test_residents_hear_of_a_new_notice_live(app_factory, client):
    w = await build_world()
    sub_query = "subscription { notificationAdded { kind title } }"
    async with subscribe(app_factory(("noticeboard",)), sub_query, token=w.tokens["resident"]) as sub:
        await post(client, w, "c1_worker", w.c1, title="今晚停电")
        payload = await sub.next()
    assert payload["data"]["notificationAdded"] == {"kind": "noticeboard.posted", "title": "今晚停电"}


async def test_demo_data_pins_a_notice_per_community():
    w = await build_world()
    await lastmile_demo_data(SimpleNamespace(communities=[w.c1, w.c2], community_workers={}))
    assert await Notice.filter(pinned=True).count() == 2
    assert {n.community_ref for n in await Notice.all()} == {w.c1.id, w.c2.id}


def test_plugin_code_stays_under_200_lines():
    package = Path(__file__).resolve().parent.parent / "lastmile_noticeboard"
    lines = sum(len(p.read_text().splitlines()) for p in package.glob("*.py"))
    assert lines < 200, lines
