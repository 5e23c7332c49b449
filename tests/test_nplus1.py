"""Nested queries cost a number of SQL statements bounded by depth, not by rows."""

import pytest

from core import models as m
from core.api.cost import CEILING
from core.enums import AreaLevel, HouseholdRelation
from core.testing import TEST_PLUGINS, GraphQLClient, count_statements, make_area, make_user, token_for

TREE = """
{ districts { name residentCount subdistricts { name communities(first: 100) { totalCount edges { node {
    name residentCount unitCount partners { name }
    compounds(first: 100) { edges { node { name buildings { name floors units(first: 500) { totalCount edges { node {
      label householdHead { name }
      residents { name idNumberMasked phone unit { label } community { name } }
    } } } } } } }
    residents(first: 5, filter: {minAge: 0}) { totalCount edges { node { name } } }
} } } } } }
"""


async def _grow(
    subdistricts: int, communities: int, compounds: int, buildings: int, units: int, per_unit: int
):
    district = await make_area(AreaLevel.DISTRICT, "上街区")
    seq = 0
    for s in range(subdistricts):
        sub = await make_area(AreaLevel.SUBDISTRICT, f"街道{s}", district)
        for c in range(communities):
            com = await make_area(AreaLevel.COMMUNITY, f"社区{s}-{c}", sub)
            for k in range(compounds):
                comp = await make_area(AreaLevel.COMPOUND, f"小区{k}", com)
                for b in range(buildings):
                    bld = await make_area(AreaLevel.BUILDING, f"{b}号楼", comp)
                    batch = []
                    for u in range(units):
                        unit = m.Unit(building_id=bld.id, label=f"1-{u:03d}")
                        unit.set_lineage(bld.lineage())
                        batch.append(unit)
                    await m.Unit.bulk_create(batch)
    residents = []
    for unit in await m.Unit.all():
        for i in range(per_unit):
            seq += 1
            r = m.Resident(
                name=f"居民{seq}",
                unit_id=unit.id,
                community_id=unit.community_ref,
                relation_to_head=HouseholdRelation.HEAD if i == 0 else HouseholdRelation.CHILD,
                id_number_masked="410106********0000",
            )
            r.set_lineage(unit.lineage())
            residents.append(r)
    await m.Resident.bulk_create(residents, batch_size=500)
    return district


async def _statements(client, token) -> tuple[int, dict]:
    with count_statements() as statements:
        body = await client(TREE, token=token)
    return len(statements), body["data"]


@pytest.fixture
async def tree_client(app_factory):
    """TREE asks for every level at full page size: its static cost is far over the default
    budget (by design, docs/security.md). This test is about statements, so it raises the budget."""
    async with GraphQLClient(app_factory(TEST_PLUGINS, max_query_cost=CEILING)) as c:
        yield c


async def test_tree_statement_count_does_not_grow_with_rows(tree_client):
    client = tree_client
    district = await _grow(2, 2, 2, 2, 10, 2)  # 160 units, 320 residents
    admin = await make_user("admin", [("admin", district)])
    small_count, small = await _statements(client, token_for(admin))
    assert small["districts"][0]["residentCount"] == 320

    await m.Resident.all().delete()
    await m.Unit.all().delete()
    for level in reversed(list(AreaLevel)):
        await m.Area.filter(level=level).delete()
    district = await _grow(2, 2, 2, 2, 40, 2)  # 640 units, 1,280 residents: 4x the rows
    admin2 = await make_user("admin2", [("admin", district)])
    big_count, big = await _statements(client, token_for(admin2))
    assert big["districts"][0]["residentCount"] == 1280
    units = big["districts"][0]["subdistricts"][0]["communities"]["edges"][0]["node"]["compounds"]["edges"][
        0
    ]["node"]
    assert units["buildings"][0]["units"]["totalCount"] == 40
    # Same query shape, four times the rows: the same number of statements,
    # and few of them (one or two per level, a handful for the viewer).
    assert big_count == small_count
    print(f"tree query: {small_count} statements for 320 residents, {big_count} for 1,280")
    assert big_count <= 25, big_count
