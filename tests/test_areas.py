"""Areas and units through the API: creation rules, validation codes, deletion, transactions."""

from core import models as m
from core.testing import build_world

CREATE_AREA = """
mutation($input: CreateAreaInput!) {
  createArea(input: $input) {
    area { id name level ... on Community { subdistrict { name } } ... on Compound { builtYear address } }
    userErrors { field message code }
  }
}"""


async def test_create_hierarchy_and_navigate(client):
    w = await build_world()
    su = w.tokens["super"]
    d = await client.data(CREATE_AREA, {"input": {"level": "DISTRICT", "name": "新区", "code": "410199"}}, su)
    district = d["createArea"]["area"]
    assert district["level"] == "DISTRICT" and not d["createArea"]["userErrors"]
    s = await client.data(
        CREATE_AREA,
        {"input": {"level": "SUBDISTRICT", "name": "新街道", "parentId": district["id"], "isTown": True}},
        su,
    )
    sub_id = s["createArea"]["area"]["id"]
    c = await client.data(
        CREATE_AREA, {"input": {"level": "COMMUNITY", "name": "新社区", "parentId": sub_id}}, su
    )
    assert c["createArea"]["area"]["subdistrict"]["name"] == "新街道"
    comp = await client.data(
        CREATE_AREA,
        {
            "input": {
                "level": "COMPOUND",
                "name": "新小区",
                "builtYear": 1995,
                "address": "新路1号",
                "parentId": c["createArea"]["area"]["id"],
            }
        },
        su,
    )
    assert comp["createArea"]["area"]["builtYear"] == 1995
    data = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Compound { name ancestors { name level } parent { name } } } }""",
        {"id": comp["createArea"]["area"]["id"]},
        su,
    )
    assert [a["level"] for a in data["node"]["ancestors"]] == ["DISTRICT", "SUBDISTRICT", "COMMUNITY"]
    assert data["node"]["parent"]["name"] == "新社区"


async def test_level_rules(client):
    w = await build_world()
    su = w.tokens["super"]
    bad = await client.data(
        CREATE_AREA, {"input": {"level": "COMMUNITY", "name": "x", "parentId": w.gid(w.district)}}, su
    )
    assert bad["createArea"]["area"] is None
    assert bad["createArea"]["userErrors"][0]["code"] == "INVALID_LEVEL"
    assert bad["createArea"]["userErrors"][0]["field"] == ["input", "parentId"]
    orphan = await client.data(CREATE_AREA, {"input": {"level": "COMPOUND", "name": "x"}}, su)
    assert orphan["createArea"]["userErrors"][0]["code"] == "INVALID_LEVEL"
    district_with_parent = await client.data(
        CREATE_AREA, {"input": {"level": "DISTRICT", "name": "x", "parentId": w.gid(w.district)}}, su
    )
    assert district_with_parent["createArea"]["userErrors"][0]["code"] == "INVALID_LEVEL"
    unknown = await client.data(
        CREATE_AREA, {"input": {"level": "COMMUNITY", "name": "x", "parentId": "bm9wZTox"}}, su
    )
    assert unknown["createArea"]["userErrors"][0]["code"] == "NOT_FOUND"
    dup = await client.data(
        CREATE_AREA, {"input": {"level": "COMMUNITY", "name": "三湾街社区", "parentId": w.gid(w.s1)}}, su
    )
    assert dup["createArea"]["userErrors"][0]["code"] == "DUPLICATE"
    assert await m.Area.filter(name="x").count() == 0


async def test_only_superuser_creates_districts(client):
    w = await build_world()
    res = await client.data(
        CREATE_AREA, {"input": {"level": "DISTRICT", "name": "别区"}}, w.tokens["district_admin"]
    )
    assert res["createArea"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_delete_area_refuses_non_empty_and_deletes_empty(client):
    w = await build_world()
    su = w.tokens["super"]
    q = "mutation($id: ID!) { deleteArea(id: $id) { deletedId userErrors { code message } } }"
    res = await client.data(q, {"id": w.gid(w.c1)}, su)
    assert res["deleteArea"]["userErrors"][0]["code"] == "NOT_EMPTY"
    assert res["deleteArea"]["deletedId"] is None
    new = await client.data(
        CREATE_AREA, {"input": {"level": "COMPOUND", "name": "空小区", "parentId": w.gid(w.c1)}}, su
    )
    gid = new["createArea"]["area"]["id"]
    res = await client.data(q, {"id": gid}, su)
    assert res["deleteArea"] == {"deletedId": gid, "userErrors": []}
    assert (await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, su))["node"] is None


async def test_update_area_and_unit(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    res = await client.data(
        """mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { unit { label usage areaSqm } userErrors { code } } }""",
        {"input": {"id": w.gid(w.unit1), "usage": "RENTED", "areaSqm": 88.5}},
        tok,
    )
    assert res["updateUnit"]["unit"] == {"label": "1-101", "usage": "RENTED", "areaSqm": 88.5}
    res = await client.data(
        """mutation($input: UpdateAreaInput!) { updateArea(input: $input) { area { name } userErrors { code } } }""",
        {"input": {"id": w.gid(w.compound1), "name": "幸福新村"}},
        w.tokens["s1_manager"],
    )
    assert res["updateArea"]["area"]["name"] == "幸福新村"
    # A community worker cannot manage areas.
    res = await client.data(
        """mutation($input: UpdateAreaInput!) { updateArea(input: $input) { area { name } userErrors { code } } }""",
        {"input": {"id": w.gid(w.compound1), "name": "别名"}},
        tok,
    )
    assert res["updateArea"]["userErrors"][0]["code"] == "FORBIDDEN"


async def test_create_unit_rules(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    q = """mutation($input: CreateUnitInput!) { createUnit(input: $input) { unit { id label building { name } } userErrors { code field } } }"""
    ok = await client.data(
        q, {"input": {"buildingId": w.gid(w.building1), "label": "2-301", "floor": 3}}, tok
    )
    assert ok["createUnit"]["unit"]["building"]["name"] == "1号楼"
    dup = await client.data(q, {"input": {"buildingId": w.gid(w.building1), "label": "2-301"}}, tok)
    assert dup["createUnit"]["userErrors"][0]["code"] == "DUPLICATE"
    wrong = await client.data(q, {"input": {"buildingId": w.gid(w.compound1), "label": "9-9"}}, tok)
    assert wrong["createUnit"]["userErrors"][0]["code"] == "NOT_FOUND"
    neg = await client.data(
        q, {"input": {"buildingId": w.gid(w.building1), "label": "9-9", "areaSqm": -3}}, tok
    )
    assert neg["createUnit"]["userErrors"][0]["code"] == "INVALID_INPUT"


async def test_areas_and_communities_queries(client):
    w = await build_world()
    su = w.tokens["super"]
    data = await client.data(
        """{ areas(level: COMMUNITY, first: 2) { totalCount edges { cursor node { name } }
        pageInfo { hasNextPage endCursor } } }""",
        token=su,
    )
    assert data["areas"]["totalCount"] == 3
    assert len(data["areas"]["edges"]) == 2 and data["areas"]["pageInfo"]["hasNextPage"]
    after = data["areas"]["pageInfo"]["endCursor"]
    rest = await client.data(
        "query($a: String) { areas(level: COMMUNITY, after: $a) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage } } }",
        {"a": after},
        su,
    )
    assert len(rest["areas"]["edges"]) == 1 and rest["areas"]["pageInfo"]["hasPreviousPage"]
    data = await client.data(
        "query($s: ID) { communities(subdistrictId: $s) { totalCount edges { node { name unitCount residentCount } } } }",
        {"s": w.gid(w.s1)},
        su,
    )
    counts = {
        e["node"]["name"]: (e["node"]["unitCount"], e["node"]["residentCount"])
        for e in data["communities"]["edges"]
    }
    assert counts == {"三湾街社区": (1, 2), "中安街社区": (1, 1)}


async def test_organizations_and_partners(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    q = """mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
        organization { id name kind partnerCommunities { name } } userErrors { code field } } }"""
    res = await client.data(
        q,
        {
            "input": {
                "name": "上街区卫健委",
                "kind": "GOVERNMENT_DEPARTMENT",
                "partnerCommunityIds": [w.gid(w.c1)],
            }
        },
        tok,
    )
    org = res["createOrganization"]["organization"]
    assert org["partnerCommunities"] == [{"name": "三湾街社区"}]
    dup = await client.data(q, {"input": {"name": "上街区卫健委", "kind": "OTHER"}}, tok)
    assert dup["createOrganization"]["userErrors"][0]["code"] == "DUPLICATE"
    # c1's worker cannot link with c2: out of scope reads as not found.
    link = """mutation($o: ID!, $c: ID!) { linkPartner(organizationId: $o, communityId: $c) {
        organization { partnerCommunities { name } } userErrors { code } } }"""
    res = await client.data(link, {"o": org["id"], "c": w.gid(w.c2)}, tok)
    assert res["linkPartner"]["userErrors"][0]["code"] == "NOT_FOUND"
    res = await client.data(link, {"o": org["id"], "c": w.gid(w.c2)}, w.tokens["s1_manager"])
    assert {c["name"] for c in res["linkPartner"]["organization"]["partnerCommunities"]} == {
        "三湾街社区",
        "中安街社区",
    }
    again = await client.data(link, {"o": org["id"], "c": w.gid(w.c2)}, w.tokens["s1_manager"])
    assert again["linkPartner"]["userErrors"][0]["code"] == "DUPLICATE"
    by_community = "query($c: ID) { organizations(communityId: $c) { totalCount edges { node { name } } } }"
    data = await client.data(by_community, {"c": w.gid(w.c2)}, w.tokens["s1_manager"])
    assert data["organizations"]["totalCount"] == 1
    # c2 is outside the c1 worker's scope: it reads as unknown, so nothing matches.
    data = await client.data(by_community, {"c": w.gid(w.c2)}, tok)
    assert data["organizations"]["totalCount"] == 0
    data = await client.data(
        "query($c: ID!) { node(id: $c) { ... on Community { partners { name } } } }", {"c": w.gid(w.c1)}, tok
    )
    assert data["node"]["partners"] == [{"name": "上街区卫健委"}]
