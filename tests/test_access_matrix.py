"""Who sees what: a matrix of viewers against every core query, node lookup and mutation.

Viewers: workers of two communities (c1, c2 in subdistrict s1), a grid worker
of c1, the s1 area manager, a district admin, a resident of c1 (household of
unit1), and anonymous. Out-of-scope objects read as null / NOT_FOUND and are
never counted.
"""

import pytest

from core import models as m
from core.testing import build_world

VIEWERS = ["c1_worker", "c2_worker", "c1_grid", "s1_manager", "district_admin", "resident", "anonymous"]


@pytest.fixture
async def world():
    return await build_world()


def tok(w, viewer):
    return None if viewer == "anonymous" else w.tokens[viewer]


# Which residents each viewer may read (keys of World.residents).
RESIDENTS_SEEN = {
    "c1_worker": {"zhang", "zhang_wife"},
    "c2_worker": {"wang"},
    "c1_grid": {"zhang", "zhang_wife"},
    "s1_manager": {"zhang", "zhang_wife", "wang"},
    "district_admin": {"zhang", "zhang_wife", "wang", "liu"},
    "resident": {"zhang", "zhang_wife"},  # own record and household
}


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_residents_query_and_counts(client, world, viewer):
    w = world
    body = await client(
        "{ residents(first: 50) { totalCount edges { node { name } } } }",
        token=tok(w, viewer),
        errors_ok=True,
    )
    if viewer == "anonymous":
        assert body.get("data") is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return
    names = {e["node"]["name"] for e in body["data"]["residents"]["edges"]}
    expected = {w.residents[k].name for k in RESIDENTS_SEEN[viewer]}
    assert names == expected
    assert body["data"]["residents"]["totalCount"] == len(expected)


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_node_lookup_of_every_resident(client, world, viewer):
    w = world
    for key, resident in w.residents.items():
        body = await client(
            "query($id: ID!) { node(id: $id) { id ... on Resident { name } } }",
            {"id": w.gid(resident)},
            tok(w, viewer),
            errors_ok=True,
        )
        if viewer == "anonymous":
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            continue
        seen = body["data"]["node"] is not None
        assert seen == (key in RESIDENTS_SEEN[viewer]), (viewer, key)
    ids = [w.gid(r) for r in w.residents.values()]
    if viewer != "anonymous":
        data = await client.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}, tok(w, viewer)
        )
        seen = {k for k, n in zip(w.residents, data["nodes"], strict=True) if n is not None}
        assert seen == RESIDENTS_SEEN[viewer]


PII = {
    # viewer -> (full ID/phone visible for residents they can see?)
    "c1_worker": True,
    "c2_worker": True,
    "s1_manager": True,
    "district_admin": True,
    "c1_grid": False,
    "resident": False,
}


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_personal_data_masking(client, world, viewer):
    w = world
    data = await client.data(
        "{ residents { edges { node { idNumber idNumberMasked phone phoneMasked } } } }", token=tok(w, viewer)
    )
    for edge in data["residents"]["edges"]:
        node = edge["node"]
        assert node["idNumberMasked"] and "*" in node["idNumberMasked"]
        assert (node["idNumber"] is not None) == PII[viewer]
        assert (node["phone"] is not None) == PII[viewer]
    reads = await m.AuditLog.filter(action="pii.read").count()
    assert reads == (2 * len(data["residents"]["edges"]) if PII[viewer] else 0)


AREAS_SEEN = {
    # community ids visible through `communities`
    "c1_worker": {"c1"},
    "c2_worker": {"c2"},
    "c1_grid": {"c1"},
    "s1_manager": {"c1", "c2"},
    "district_admin": {"c1", "c2", "c3"},
    "resident": {"c1"},
}


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_areas_and_units(client, world, viewer):
    w = world
    body = await client(
        "{ communities { totalCount edges { node { id residentCount } } } districts { name } }",
        token=tok(w, viewer),
        errors_ok=True,
    )
    if viewer == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return
    ids = {e["node"]["id"] for e in body["data"]["communities"]["edges"]}
    assert ids == {w.gid(getattr(w, k)) for k in AREAS_SEEN[viewer]}
    # Ancestors are context: everybody signed in sees the district's name.
    assert body["data"]["districts"] == [{"name": "上街区"}]
    # c3 (another subdistrict) reads as null for everyone but the district admin.
    node = await client.data(
        "query($id: ID!) { area(id: $id) { name } }", {"id": w.gid(w.c3)}, tok(w, viewer)
    )
    assert (node["area"] is not None) == (viewer == "district_admin")
    units = await client.data("{ units { totalCount } }", token=tok(w, viewer))
    expected_units = {
        "c1_worker": 1,
        "c2_worker": 1,
        "c1_grid": 1,
        "s1_manager": 2,
        "district_admin": 3,
        "resident": 1,
    }
    assert units["units"]["totalCount"] == expected_units[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_district_resident_count_only_counts_scope(client, world, viewer):
    w = world
    if viewer == "anonymous":
        return
    data = await client.data("{ districts { residentCount } }", token=tok(w, viewer))
    assert data["districts"][0]["residentCount"] == len(RESIDENTS_SEEN[viewer])


REGISTER = """mutation($input: RegisterResidentInput!) { registerResident(input: $input) {
    resident { id } userErrors { code } } }"""

# viewer -> outcome of registering a resident in c1's unit1
REGISTER_IN_C1 = {
    "c1_worker": None,
    "s1_manager": None,
    "district_admin": None,
    "c2_worker": "NOT_FOUND",
    "c1_grid": "FORBIDDEN",
    "resident": "FORBIDDEN",
}


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_register_resident_permissions(client, world, viewer):
    w = world
    body = await client(
        REGISTER, {"input": {"name": "新人", "unitId": w.gid(w.unit1)}}, tok(w, viewer), errors_ok=True
    )
    if viewer == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert await m.Resident.filter(name="新人").count() == 0
        return
    errors = body["data"]["registerResident"]["userErrors"]
    expected = REGISTER_IN_C1[viewer]
    assert (errors[0]["code"] if errors else None) == expected
    assert await m.Resident.filter(name="新人").count() == (0 if expected else 1)


UPDATE = """mutation($input: UpdateResidentInput!) { updateResident(input: $input) {
    resident { name } userErrors { code } } }"""


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_update_resident_permissions(client, world, viewer):
    w = world
    data = await client.data(
        UPDATE, {"input": {"id": w.gid(w.residents["wang"]), "name": "王芳芳"}}, tok(w, viewer)
    )
    errors = data["updateResident"]["userErrors"]
    expected = {
        "c2_worker": None,
        "s1_manager": None,
        "district_admin": None,
        "c1_worker": "NOT_FOUND",
        "c1_grid": "NOT_FOUND",
        "resident": "NOT_FOUND",
    }[viewer]
    assert (errors[0]["code"] if errors else None) == expected
    assert (data["updateResident"]["resident"] is None) == (expected is not None)


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v != "anonymous"])
async def test_me_and_users(client, world, viewer):
    w = world
    data = await client.data(
        "{ me { username roles { role { name } area { name } } resident { name unit { label } } } }",
        token=tok(w, viewer),
    )
    assert data["me"]["username"] == w.users[viewer].username
    if viewer == "resident":
        assert data["me"]["resident"] == {"name": "张伟", "unit": {"label": "1-101"}}
    # A user node is visible to itself and to user managers of its home area.
    other = w.users["c2_worker"]
    node = await client.data(
        "query($id: ID!) { node(id: $id) { ... on User { username } } }", {"id": w.gid(other)}, tok(w, viewer)
    )
    sees = viewer in {"c2_worker", "s1_manager", "district_admin"}
    assert (node["node"] is not None) == sees


CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) { user { username } userErrors { code } } }"""
GRANT = """mutation($input: GrantRoleInput!) { grantRole(input: $input) { user { roles { role { name } } } userErrors { code } } }"""


async def test_user_management_scope(client, world):
    w = world
    res = await client.data(
        CREATE_USER,
        {
            "input": {
                "username": "newgrid",
                "password": "amber kettle orbit 91",
                "displayName": "新网格员",
                "areaId": w.gid(w.c1),
            }
        },
        w.tokens["s1_manager"],
    )
    assert res["createUser"]["userErrors"] == []
    new_user = await m.User.get(username="newgrid")
    grant = {"userId": w.gid(new_user), "role": "grid_worker", "areaId": w.gid(w.c1)}
    # A community worker may not manage users.
    res = await client.data(GRANT, {"input": grant}, w.tokens["c1_worker"])
    assert res["grantRole"]["userErrors"][0]["code"] in {"NOT_FOUND", "FORBIDDEN"}
    res = await client.data(GRANT, {"input": grant}, w.tokens["s1_manager"])
    assert res["grantRole"]["user"]["roles"] == [{"role": {"name": "grid_worker"}}]
    again = await client.data(GRANT, {"input": grant}, w.tokens["s1_manager"])
    assert again["grantRole"]["userErrors"][0]["code"] == "DUPLICATE"
    # Granting over an area outside the manager's scope reads as not found.
    res = await client.data(GRANT, {"input": {**grant, "areaId": w.gid(w.c3)}}, w.tokens["s1_manager"])
    assert res["grantRole"]["userErrors"][0]["code"] == "NOT_FOUND"
    # Nobody grants more than they hold: an area manager cannot hand out admin.
    res = await client.data(GRANT, {"input": {**grant, "role": "admin"}}, w.tokens["s1_manager"])
    assert res["grantRole"]["userErrors"][0]["code"] == "FORBIDDEN"
    res = await client.data(GRANT, {"input": {**grant, "role": "no_such_role"}}, w.tokens["s1_manager"])
    assert res["grantRole"]["userErrors"][0]["code"] == "NOT_FOUND"
    revoke = """mutation($input: GrantRoleInput!) { revokeRole(input: $input) { user { roles { role { name } } } userErrors { code } } }"""
    res = await client.data(revoke, {"input": grant}, w.tokens["s1_manager"])
    assert res["revokeRole"]["user"]["roles"] == []
    res = await client.data(revoke, {"input": grant}, w.tokens["s1_manager"])
    assert res["revokeRole"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_new_grant_takes_effect(client, world):
    w = world
    before = await client.data("{ residents { totalCount } }", token=w.tokens["c1_worker"])
    assert before["residents"]["totalCount"] == 2
    await m.RoleGrant.create(user=w.users["c1_worker"], role="grid_worker", area=w.c3)
    after = await client.data("{ residents { totalCount } }", token=w.tokens["c1_worker"])
    assert after["residents"]["totalCount"] == 3


async def test_roles_and_plugins(client, world):
    w = world
    anon = await client.data("{ plugins { name } }")
    assert isinstance(anon["plugins"], list)
    data = await client.data("{ roles { name description permissions } }", token=w.tokens["c1_grid"])
    roles = {r["name"]: r for r in data["roles"]}
    assert {"admin", "area_manager", "community_worker", "grid_worker", "resident"} <= set(roles)
    assert "resident.pii.read" in roles["community_worker"]["permissions"]
    assert "resident.pii.read" not in roles["grid_worker"]["permissions"]
    anon_roles = await client("{ roles { name } }", errors_ok=True)
    assert anon_roles["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---------------------------------------------------------------- every core mutation x every viewer


def _mutations(w):
    """name -> (operation, variables, payload field). Each targets something in c1 (s1) unless noted."""
    return {
        "createArea": (
            "mutation($i: CreateAreaInput!) { createArea(input: $i) { userErrors { code } } }",
            {"i": {"level": "COMPOUND", "name": "新建小区", "parentId": w.gid(w.c1)}},
            "createArea",
        ),
        "updateArea": (
            "mutation($i: UpdateAreaInput!) { updateArea(input: $i) { userErrors { code } } }",
            {"i": {"id": w.gid(w.compound1), "name": "改名小区"}},
            "updateArea",
        ),
        "deleteArea": (
            "mutation($id: ID!) { deleteArea(id: $id) { userErrors { code } } }",
            {"id": w.gid(w.building1)},
            "deleteArea",
        ),
        "createUnit": (
            "mutation($i: CreateUnitInput!) { createUnit(input: $i) { userErrors { code } } }",
            {"i": {"buildingId": w.gid(w.building1), "label": "9-901"}},
            "createUnit",
        ),
        "updateUnit": (
            "mutation($i: UpdateUnitInput!) { updateUnit(input: $i) { userErrors { code } } }",
            {"i": {"id": w.gid(w.unit1), "floor": 1}},
            "updateUnit",
        ),
        "moveOutResident": (
            "mutation($i: MoveOutResidentInput!) { moveOutResident(input: $i) { userErrors { code } } }",
            {"i": {"residentId": w.gid(w.residents["zhang_wife"])}},
            "moveOutResident",
        ),
        "createOrganization": (
            "mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { userErrors { code } } }",
            {"i": {"name": "新单位", "kind": "ENTERPRISE", "partnerCommunityIds": [w.gid(w.c1)]}},
            "createOrganization",
        ),
        "createUser": (
            "mutation($i: CreateUserInput!) { createUser(input: $i) { userErrors { code } } }",
            {
                "i": {
                    "username": "u-new",
                    "password": "amber kettle orbit 91",
                    "displayName": "新用户",
                    "areaId": w.gid(w.c1),
                }
            },
            "createUser",
        ),
    }


OK = None
# viewer -> mutation -> expected first userErrors code (None = success).
MUTATION_MATRIX = {
    "c1_worker": {
        "createArea": "FORBIDDEN",
        "updateArea": "FORBIDDEN",
        "deleteArea": "FORBIDDEN",
        "createUnit": OK,
        "updateUnit": OK,
        "moveOutResident": OK,
        "createOrganization": OK,
        "createUser": "FORBIDDEN",
    },
    "c2_worker": {
        "createArea": "NOT_FOUND",
        "updateArea": "NOT_FOUND",
        "deleteArea": "NOT_FOUND",
        "createUnit": "NOT_FOUND",
        "updateUnit": "NOT_FOUND",
        "moveOutResident": "NOT_FOUND",
        "createOrganization": "NOT_FOUND",
        "createUser": "FORBIDDEN",
    },
    "c1_grid": {
        "createArea": "FORBIDDEN",
        "updateArea": "FORBIDDEN",
        "deleteArea": "FORBIDDEN",
        "createUnit": "FORBIDDEN",
        "updateUnit": "FORBIDDEN",
        "moveOutResident": "FORBIDDEN",
        "createOrganization": "FORBIDDEN",
        "createUser": "FORBIDDEN",
    },
    "s1_manager": {
        "createArea": OK,
        "updateArea": OK,
        "deleteArea": "NOT_EMPTY",
        "createUnit": OK,
        "updateUnit": OK,
        "moveOutResident": OK,
        "createOrganization": OK,
        "createUser": OK,
    },
    "district_admin": {
        "createArea": OK,
        "updateArea": OK,
        "deleteArea": "NOT_EMPTY",
        "createUnit": OK,
        "updateUnit": OK,
        "moveOutResident": OK,
        "createOrganization": OK,
        "createUser": OK,
    },
    "resident": {
        "createArea": "FORBIDDEN",
        "updateArea": "FORBIDDEN",
        "deleteArea": "FORBIDDEN",
        "createUnit": "FORBIDDEN",
        "updateUnit": "FORBIDDEN",
        "moveOutResident": "FORBIDDEN",
        "createOrganization": "FORBIDDEN",
        "createUser": "FORBIDDEN",
    },
}


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("mutation", sorted(MUTATION_MATRIX["c1_worker"]))
async def test_mutation_matrix(client, world, viewer, mutation):
    w = world
    query, variables, field = _mutations(w)[mutation]
    audit_before = await m.AuditLog.exclude(action="pii.read").count()
    body = await client(query, variables, tok(w, viewer), errors_ok=True)
    if viewer == "anonymous":
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return
    errors = body["data"][field]["userErrors"]
    expected = MUTATION_MATRIX[viewer][mutation]
    assert (errors[0]["code"] if errors else None) == expected, errors
    # Every successful mutation leaves one audit row; a refused one leaves none.
    audit_after = await m.AuditLog.exclude(action="pii.read").count()
    assert audit_after - audit_before == (1 if expected is None else 0)


async def test_notifications_are_private(client, world):
    w = world
    from core.models import Notification

    note = await Notification.create(user=w.users["c1_worker"], kind="test.kind", title="hello")
    mine = await client.data(
        "{ myNotifications { totalCount edges { node { id title } } } }", token=w.tokens["c1_worker"]
    )
    assert mine["myNotifications"]["totalCount"] == 1
    theirs = await client.data("{ myNotifications { totalCount } }", token=w.tokens["c2_worker"])
    assert theirs["myNotifications"]["totalCount"] == 0
    gid = mine["myNotifications"]["edges"][0]["node"]["id"]
    other = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, w.tokens["c2_worker"])
    assert other["node"] is None
    changed = await client.data(
        "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }", {"ids": [gid]}, w.tokens["c2_worker"]
    )
    assert changed["markNotificationsRead"] == 0
    changed = await client.data(
        "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }", {"ids": [gid]}, w.tokens["c1_worker"]
    )
    assert changed["markNotificationsRead"] == 1
    await note.refresh_from_db()
    assert note.read_at is not None
    unread = await client.data(
        "{ myNotifications(unreadOnly: true) { totalCount } }", token=w.tokens["c1_worker"]
    )
    assert unread["myNotifications"]["totalCount"] == 0
