"""Core's "check then write" rules under concurrent requests (docs/invariants.md).

Each test sends the racing requests at once through the HTTP API on
PostgreSQL and asserts that exactly the allowed outcome happens, that the
loser reads exactly like a later request (same code, same field) and that it
wrote nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from core import models as m
from core.enums import AreaLevel, HouseholdRelation
from core.testing import build_world, make_area, make_resident, make_user
from tests.concurrency import postgres_only, run_all, same_at_once  # noqa: F401 (a fixture, used by name)

pytestmark = pytest.mark.usefixtures("postgres_only")

N = 10

CREATE_AREA = (
    """mutation($i: CreateAreaInput!) { createArea(input: $i) { area { id } userErrors { field code } } }"""
)
UPDATE_AREA = (
    """mutation($i: UpdateAreaInput!) { updateArea(input: $i) { area { id } userErrors { field code } } }"""
)
DELETE_AREA = """mutation($id: ID!) { deleteArea(id: $id) { deletedId userErrors { field code } } }"""
CREATE_UNIT = (
    """mutation($i: CreateUnitInput!) { createUnit(input: $i) { unit { id } userErrors { field code } } }"""
)
UPDATE_UNIT = (
    """mutation($i: UpdateUnitInput!) { updateUnit(input: $i) { unit { id } userErrors { field code } } }"""
)
CREATE_ORG = """mutation($i: CreateOrganizationInput!) {
  createOrganization(input: $i) { organization { id } userErrors { field code } } }"""
LINK = """mutation($o: ID!, $c: ID!) {
  linkPartner(organizationId: $o, communityId: $c) { organization { id } userErrors { field code } } }"""
CREATE_USER = (
    """mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { field code } } }"""
)
GRANT = """mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { field code } } }"""
REGISTER = """mutation($i: RegisterResidentInput!) {
  registerResident(input: $i) { resident { id } userErrors { field code } } }"""
UPDATE_RESIDENT = """mutation($i: UpdateResidentInput!) {
  updateResident(input: $i) { resident { id } userErrors { field code } } }"""


async def test_siblings_of_one_name_created_at_once(client):
    w = await build_world()
    data = {"i": {"parentId": w.gid(w.compound1), "level": "BUILDING", "name": "9号楼"}}
    assert await same_at_once(client, CREATE_AREA, data, w.tokens["s1_manager"], "createArea") == Counter(
        {"OK": 1, "DUPLICATE@input.name": N - 1}
    )
    assert await m.Area.filter(parent_id=w.compound1.id, name="9号楼").count() == 1


async def test_districts_of_one_name_created_at_once(client):
    """Districts have no parent: UNIQUE (parent_id, name) never saw them collide (migration 0003)."""
    w = await build_world()
    data = {"i": {"level": "DISTRICT", "name": "二七区"}}
    assert await same_at_once(client, CREATE_AREA, data, w.tokens["super"], "createArea") == Counter(
        {"OK": 1, "DUPLICATE@input.name": N - 1}
    )
    assert await m.Area.filter(parent_id=None, name="二七区").count() == 1


async def test_siblings_renamed_to_one_name_at_once(client):
    w = await build_world()
    buildings = [await make_area(AreaLevel.BUILDING, f"{i}号楼", w.compound1) for i in range(2, 2 + N)]
    calls = [
        (UPDATE_AREA, {"i": {"id": w.gid(b), "name": "新楼"}}, w.tokens["s1_manager"], "updateArea")
        for b in buildings
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, "DUPLICATE@input.name": N - 1})
    assert await m.Area.filter(parent_id=w.compound1.id, name="新楼").count() == 1


async def test_units_of_one_label_created_and_relabelled_at_once(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    data = {"i": {"buildingId": w.gid(w.building1), "label": "3-301"}}
    assert await same_at_once(client, CREATE_UNIT, data, tok, "createUnit") == Counter(
        {"OK": 1, "DUPLICATE@input.label": N - 1}
    )
    units = [
        (await client.data(CREATE_UNIT, {"i": {"buildingId": w.gid(w.building1), "label": f"4-{i}"}}, tok))[
            "createUnit"
        ]["unit"]["id"]
        for i in range(N)
    ]
    calls = [(UPDATE_UNIT, {"i": {"id": u, "label": "4-401"}}, tok, "updateUnit") for u in units]
    assert await run_all(client, calls) == Counter({"OK": 1, "DUPLICATE@input.label": N - 1})
    assert await m.Unit.filter(building_id=w.building1.id, label__in=["3-301", "4-401"]).count() == 2


async def test_organisations_of_one_name_and_their_links_at_once(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    data = {"i": {"name": "区卫健委", "kind": "GOVERNMENT_DEPARTMENT"}}
    assert await same_at_once(client, CREATE_ORG, data, tok, "createOrganization") == Counter(
        {"OK": 1, "DUPLICATE@input.name": N - 1}
    )
    org = await m.Organization.get(name="区卫健委")
    assert await same_at_once(
        client, LINK, {"o": w.gid(org), "c": w.gid(w.c1)}, tok, "linkPartner"
    ) == Counter({"OK": 1, "DUPLICATE@communityId": N - 1})
    assert await m.PartnerLink.filter(organization_id=org.id).count() == 1


async def test_accounts_of_one_username_or_one_resident_at_once(client):
    w = await build_world()
    tok = w.tokens["s1_manager"]
    data = {
        "i": {
            "username": "newbie",
            "password": "a long enough password",
            "displayName": "新人",
            "areaId": w.gid(w.c1),
        }
    }
    assert await same_at_once(client, CREATE_USER, data, tok, "createUser") == Counter(
        {"OK": 1, "DUPLICATE@input.username": N - 1}
    )
    resident = w.residents["zhang_wife"]
    calls = [
        (
            CREATE_USER,
            {
                "i": {
                    "username": f"li{i}",
                    "password": "a long enough password",
                    "displayName": "李娜",
                    "residentId": w.gid(resident),
                }
            },
            tok,
            "createUser",
        )
        for i in range(N)
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, "DUPLICATE@input.residentId": N - 1})
    assert await m.User.filter(resident_id=resident.id).count() == 1
    assert await m.User.filter(username__startswith="li").count() == 1


async def test_one_role_granted_at_once(client):
    w = await build_world()
    user = await make_user("helper")
    data = {"i": {"userId": w.gid(user), "role": "grid_worker", "areaId": w.gid(w.c1)}}
    assert await same_at_once(client, GRANT, data, w.tokens["super"], "grantRole") == Counter(
        {"OK": 1, "DUPLICATE@input.role": N - 1}
    )
    assert await m.RoleGrant.filter(user_id=user.id).count() == 1


async def test_an_account_without_area_takes_the_area_of_its_first_grant(client):
    """Grants over different areas at once: the account's home is the area of the grant made first."""
    w = await build_world()
    areas = [w.c1, w.c2, w.c3, w.s1, w.s2, w.district]
    for round_ in range(3):
        user = await make_user(f"homeless{round_}")
        calls = [
            (
                GRANT,
                {"i": {"userId": w.gid(user), "role": "grid_worker", "areaId": w.gid(a)}},
                w.tokens["super"],
                "grantRole",
            )
            for a in areas
        ]
        assert await run_all(client, calls) == Counter({"OK": len(areas)})
        first = await m.RoleGrant.filter(user_id=user.id).order_by("id").first()
        assert (await m.User.get(id=user.id)).home_area_id == first.area_id


async def test_one_id_number_given_to_two_residents_at_once(client):
    """registerResident's twin is test_acceptance_core.test_concurrent_registrations_of_one_id_number_name_the_field;
    this is updateResident's."""
    from core.testing import new_id_number

    w = await build_world()
    number = new_id_number()
    residents = [await make_resident(w.unit1, f"同号{i}", HouseholdRelation.CHILD) for i in range(N)]
    calls = [
        (
            UPDATE_RESIDENT,
            {"i": {"id": w.gid(r), "idNumber": number}},
            w.tokens["c1_worker"],
            "updateResident",
        )
        for r in residents
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, "DUPLICATE@input.idNumber": N - 1})


async def test_deleting_an_area_while_something_is_added_to_it(client):
    """NOT_EMPTY: of a deletion and an addition at once, one wins and the other reads as it would after it."""
    w = await build_world()
    tok = w.tokens["s1_manager"]
    seen = Counter()
    for i in range(8):
        building = await make_area(AreaLevel.BUILDING, f"拆{i}号楼", w.compound1)
        community = await make_area(AreaLevel.COMMUNITY, f"新社区{i}", w.s1)
        deletions = [
            (DELETE_AREA, {"id": w.gid(building)}, tok, "deleteArea"),
            (DELETE_AREA, {"id": w.gid(community)}, tok, "deleteArea"),
        ]
        additions = [
            (CREATE_UNIT, {"i": {"buildingId": w.gid(building), "label": "1-101"}}, tok, "createUnit"),
            (
                CREATE_AREA,
                {"i": {"parentId": w.gid(community), "level": "COMPOUND", "name": "小区"}},
                tok,
                "createArea",
            ),
            (REGISTER, {"i": {"name": "新居民", "communityId": w.gid(community)}}, tok, "registerResident"),
        ]
        calls = deletions + additions if i % 2 else additions + deletions
        bodies = await asyncio.gather(*(client(q, v, t) for q, v, t, _ in calls))
        got = {
            root + str(j): b["data"][root]
            for j, (b, (_, _, _, root)) in enumerate(zip(bodies, calls, strict=True))
        }
        for payload in got.values():
            codes = {e["code"] for e in payload["userErrors"]}
            assert codes <= {"NOT_EMPTY", "NOT_FOUND"}, got
            seen.update(codes or {"OK"})
        if not await m.Area.filter(id=building.id).exists():
            assert not await m.Unit.filter(building_id=building.id).exists()
        if not await m.Area.filter(id=community.id).exists():
            assert not await m.Resident.filter(community_id=community.id).exists()
            assert not await m.Area.filter(parent_id=community.id).exists()
    assert seen["OK"] >= 8


MOVE = """mutation($i: MoveResidentInput!) { moveResident(input: $i) { resident { id } userErrors { field code } } }"""
MOVE_OUT = """mutation($i: MoveOutResidentInput!) {
  moveOutResident(input: $i) { resident { id } userErrors { field code } } }"""
REVOKE = (
    """mutation($i: GrantRoleInput!) { revokeRole(input: $i) { user { id } userErrors { field code } } }"""
)


async def test_a_resident_moved_out_at_once_moves_out_once(client):
    w = await build_world()
    resident = w.residents["zhang_wife"]
    data = {"i": {"residentId": w.gid(resident)}}
    assert await same_at_once(client, MOVE_OUT, data, w.tokens["c1_worker"], "moveOutResident") == Counter(
        {"OK": 1, "INVALID_TRANSITION@input.residentId": N - 1}
    )
    assert await m.AuditLog.filter(action="moveOutResident").count() == 1


async def test_one_resident_moved_to_many_units_at_once(client):
    """The moves queue on the resident's row: the record, its lineage and its account's one
    resident grant all follow the move that came last."""
    from core.testing import make_unit

    w = await build_world()
    resident = w.residents["zhang"]  # has the `resident` account
    units = [await make_unit(w.building1, f"7-{i:03d}") for i in range(N)]
    calls = [
        (
            MOVE,
            {"i": {"residentId": w.gid(resident), "unitId": w.gid(u), "relationToHead": "OTHER"}},
            w.tokens["c1_worker"],
            "moveResident",
        )
        for u in units
    ]
    assert await run_all(client, calls) == Counter({"OK": N})
    moved = await m.Resident.get(id=resident.id)
    unit = await m.Unit.get(id=moved.unit_id)
    assert moved.lineage() == unit.lineage()
    grants = await m.RoleGrant.filter(user_id=w.users["resident"].id, role="resident")
    assert [g.area_id for g in grants] == [unit.community_ref]


async def test_one_grant_revoked_and_one_area_deleted_at_once(client):
    w = await build_world()
    user = await make_user("helper", [("grid_worker", w.c1)])
    data = {"i": {"userId": w.gid(user), "role": "grid_worker", "areaId": w.gid(w.c1)}}
    assert await same_at_once(client, REVOKE, data, w.tokens["super"], "revokeRole") == Counter(
        {"OK": 1, "NOT_FOUND@input.role": N - 1}
    )
    empty = await make_area(AreaLevel.BUILDING, "空楼", w.compound1)
    assert await same_at_once(
        client, DELETE_AREA, {"id": w.gid(empty)}, w.tokens["s1_manager"], "deleteArea"
    ) == Counter({"OK": 1, "NOT_FOUND@id": N - 1})
