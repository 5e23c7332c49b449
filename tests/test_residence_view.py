"""A resident's account sees what their current residence gives them (docs/security.md).

While the resident lives here (ACTIVE) the account sees its own record, its unit and the
unit's active household; after moveOutResident (MOVED_OUT or DECEASED) only its own record;
after moveResident the new unit's household and no longer the old one's. All through the API.
"""

import pytest

from core.enums import HouseholdRelation
from core.testing import build_world, make_resident

VIEW = """{ me { resident { name status unit { id } community { name } } }
  residents(first: 50) { totalCount edges { node { name } } }
  units { totalCount edges { node { id residents { name } householdHead { name } } } }
  communities { edges { node { name residentCount } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
MOVE_OUT = """mutation($input: MoveOutResidentInput!) { moveOutResident(input: $input) {
  resident { status } userErrors { code } } }"""
MOVE = """mutation($input: MoveResidentInput!) { moveResident(input: $input) {
  resident { status } userErrors { code } } }"""
REGISTER = """mutation($input: RegisterResidentInput!) { registerResident(input: $input) {
  resident { id } userErrors { code } } }"""


async def _view(client, w):
    return await client.data(VIEW, token=w.tokens["resident"])


def _names(view) -> set[str]:
    return {e["node"]["name"] for e in view["residents"]["edges"]}


async def _ok(client, doc, variables, token, field):
    data = await client.data(doc, {"input": variables}, token)
    assert data[field]["userErrors"] == [], data
    return data[field]


@pytest.mark.parametrize("status", ["MOVED_OUT", "DECEASED"])
async def test_after_moving_out_only_the_own_record(client, status):
    w = await build_world()
    before = await _view(client, w)
    assert _names(before) == {"张伟", "李娜"} and before["units"]["totalCount"] == 1
    await _ok(
        client,
        MOVE_OUT,
        {"residentId": w.gid(w.residents["zhang"]), "status": status},
        w.tokens["c1_worker"],
        "moveOutResident",
    )
    # A newcomer moves into the unit afterwards.
    newcomer = await _ok(
        client,
        REGISTER,
        {"name": "新来的", "unitId": w.gid(w.unit1)},
        w.tokens["c1_worker"],
        "registerResident",
    )

    after = await _view(client, w)
    assert after["me"]["resident"] == {
        "name": "张伟",
        "status": status,
        "unit": None,
        "community": {"name": "三湾街社区"},
    }
    assert after["residents"] == {"totalCount": 1, "edges": [{"node": {"name": "张伟"}}]}
    assert after["units"] == {"totalCount": 0, "edges": []}
    # The community is context of the own record (its name), no resident of it is counted.
    assert after["communities"]["edges"] == [{"node": {"name": "三湾街社区", "residentCount": 0}}]
    for gid in (newcomer["resident"]["id"], w.gid(w.residents["zhang_wife"]), w.gid(w.unit1)):
        assert (await client.data(NODE, {"id": gid}, w.tokens["resident"]))["node"] is None
    assert (await client.data(NODE, {"id": w.gid(w.residents["zhang"])}, w.tokens["resident"]))["node"]


async def test_view_follows_a_move_to_another_unit(client):
    w = await build_world()
    zhang = w.gid(w.residents["zhang"])
    await _ok(
        client,
        MOVE,
        {"residentId": zhang, "unitId": w.gid(w.unit2), "relationToHead": "OTHER"},
        w.tokens["s1_manager"],
        "moveResident",
    )
    view = await _view(client, w)
    assert _names(view) == {"张伟", "王芳"}  # the new household, not 李娜 of the old one
    assert [e["node"]["id"] for e in view["units"]["edges"]] == [w.gid(w.unit2)]
    assert view["me"]["resident"]["community"] == {"name": "中安街社区"}
    assert (await client.data(NODE, {"id": w.gid(w.unit1)}, w.tokens["resident"]))["node"] is None
    assert (await client.data(NODE, {"id": w.gid(w.residents["zhang_wife"])}, w.tokens["resident"]))[
        "node"
    ] is None
    # A newcomer in the new unit is seen; one in the old unit is not.
    await make_resident(w.unit2, "新邻居", HouseholdRelation.OTHER)
    await make_resident(w.unit1, "旧邻居", HouseholdRelation.OTHER)
    assert _names(await _view(client, w)) == {"张伟", "王芳", "新邻居"}


async def test_moving_back_in_restores_the_household(client):
    w = await build_world()
    zhang = w.gid(w.residents["zhang"])
    await _ok(client, MOVE_OUT, {"residentId": zhang}, w.tokens["c1_worker"], "moveOutResident")
    assert _names(await _view(client, w)) == {"张伟"}
    await _ok(
        client, MOVE, {"residentId": zhang, "unitId": w.gid(w.unit1)}, w.tokens["c1_worker"], "moveResident"
    )
    view = await _view(client, w)
    assert _names(view) == {"张伟", "李娜"} and view["me"]["resident"]["status"] == "ACTIVE"
