"""One active household head per unit (docs/invariants.md), on every path that makes one.

The concurrency proofs run on PostgreSQL, where the requests really run in
parallel transactions (SQLite serialises writers); the constraint itself is
checked on both databases.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import models as m
from core.enums import HouseholdRelation, ResidentStatus
from core.testing import build_world, make_resident, make_unit
from tests.concurrency import postgres_only, run_all  # noqa: F401 (a fixture, used by name)

N = 10
HEAD_TAKEN = "DUPLICATE@input.relationToHead"

PAYLOAD = "resident { id relationToHead status } userErrors { field code message }"
REGISTER = f"mutation($i: RegisterResidentInput!) {{ registerResident(input: $i) {{ {PAYLOAD} }} }}"
UPDATE = f"mutation($i: UpdateResidentInput!) {{ updateResident(input: $i) {{ {PAYLOAD} }} }}"
MOVE = f"mutation($i: MoveResidentInput!) {{ moveResident(input: $i) {{ {PAYLOAD} }} }}"


async def active_heads(unit: m.Unit) -> int:
    return await m.Resident.filter(
        unit_id=unit.id, relation_to_head=HouseholdRelation.HEAD, status=ResidentStatus.ACTIVE
    ).count()


async def test_the_database_refuses_a_second_active_head(client):
    """The partial unique index itself, on SQLite and PostgreSQL: writing past the services fails."""
    w = await build_world()
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await make_resident(w.unit1, "第二户主", HouseholdRelation.HEAD)
    # Heads who no longer live there, and residents of other relations, are not counted.
    await make_resident(w.unit1, "前户主", HouseholdRelation.HEAD, status=ResidentStatus.MOVED_OUT)
    await make_resident(w.unit1, "租客", HouseholdRelation.TENANT)
    assert await active_heads(w.unit1) == 1


@pytest.mark.usefixtures("postgres_only")
async def test_ten_heads_registered_at_once_into_an_empty_unit(client):
    w = await build_world()
    unit = await make_unit(w.building1, "9-901")
    tok = w.tokens["c1_worker"]
    calls = [
        (
            REGISTER,
            {"i": {"name": f"户主{i}", "unitId": w.gid(unit), "relationToHead": "HEAD"}},
            tok,
            "registerResident",
        )
        for i in range(N)
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, HEAD_TAKEN: N - 1})
    # The losers wrote nothing: one resident in the unit, one registration audited.
    assert await m.Resident.filter(unit_id=unit.id).count() == 1
    assert await active_heads(unit) == 1
    assert await m.AuditLog.filter(action="registerResident").count() == 1


@pytest.mark.usefixtures("postgres_only")
async def test_ten_residents_moved_in_as_head_at_once(client):
    w = await build_world()
    target = await make_unit(w.building1, "9-902")
    movers = [
        await make_resident(await make_unit(w.building1, f"8-{i:03d}"), f"搬家{i}", HouseholdRelation.HEAD)
        for i in range(N)
    ]
    calls = [
        (
            MOVE,
            {"i": {"residentId": w.gid(r), "unitId": w.gid(target)}},
            w.tokens["c1_worker"],
            "moveResident",
        )
        for r in movers
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, HEAD_TAKEN: N - 1})
    assert await m.Resident.filter(unit_id=target.id).count() == 1
    assert await active_heads(target) == 1


@pytest.mark.usefixtures("postgres_only")
async def test_ten_members_of_one_household_made_head_at_once(client):
    w = await build_world()
    unit = await make_unit(w.building1, "9-903")
    members = [await make_resident(unit, f"家人{i}", HouseholdRelation.CHILD) for i in range(N)]
    calls = [
        (UPDATE, {"i": {"id": w.gid(r), "relationToHead": "HEAD"}}, w.tokens["c1_worker"], "updateResident")
        for r in members
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, HEAD_TAKEN: N - 1})
    assert await active_heads(unit) == 1


@pytest.mark.usefixtures("postgres_only")
async def test_former_heads_moving_back_at_once(client):
    """Moving back in makes a MOVED_OUT resident ACTIVE again, with the relation they had."""
    w = await build_world()
    unit = await make_unit(w.building1, "9-904")
    former = [
        await make_resident(
            unit,
            f"老户主{i}",
            HouseholdRelation.HEAD,
            status=ResidentStatus.MOVED_OUT,
            moved_out_on=dt.date(2020, 1, 1),
        )
        for i in range(N)
    ]
    calls = [
        (MOVE, {"i": {"residentId": w.gid(r), "unitId": w.gid(unit)}}, w.tokens["c1_worker"], "moveResident")
        for r in former
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, HEAD_TAKEN: N - 1})
    assert await active_heads(unit) == 1


@pytest.mark.usefixtures("postgres_only")
async def test_every_path_at_once_still_one_head(client):
    w = await build_world()
    unit = await make_unit(w.building1, "9-905")
    member = await make_resident(unit, "家人", HouseholdRelation.SPOUSE)
    mover = await make_resident(await make_unit(w.building1, "8-999"), "搬家", HouseholdRelation.OTHER)
    tok = w.tokens["c1_worker"]
    calls = [
        *[
            (
                REGISTER,
                {"i": {"name": f"户主{i}", "unitId": w.gid(unit), "relationToHead": "HEAD"}},
                tok,
                "registerResident",
            )
            for i in range(3)
        ],
        (UPDATE, {"i": {"id": w.gid(member), "relationToHead": "HEAD"}}, tok, "updateResident"),
        (
            MOVE,
            {"i": {"residentId": w.gid(mover), "unitId": w.gid(unit), "relationToHead": "HEAD"}},
            tok,
            "moveResident",
        ),
    ]
    assert await run_all(client, calls) == Counter({"OK": 1, HEAD_TAKEN: 4})
    assert await active_heads(unit) == 1


@pytest.mark.usefixtures("postgres_only")
async def test_twin_registrations_with_one_client_mutation_id(client):
    """Idempotency by clientMutationId: twins sent at once all get the one resident, none an error."""
    w = await build_world()
    payload = {"i": {"name": "孙八", "unitId": w.gid(w.unit1), "clientMutationId": "twin-1"}}
    bodies = await asyncio.gather(*(client(REGISTER, payload, w.tokens["c1_worker"]) for _ in range(N)))
    results = [b["data"]["registerResident"] for b in bodies]
    assert [r["userErrors"] for r in results] == [[]] * N
    assert len({r["resident"]["id"] for r in results}) == 1
    assert await m.Resident.filter(name="孙八").count() == 1


async def test_migration_repairs_units_that_races_left_with_several_heads(client):
    """Migration 0002 keeps the first head of each unit, unrecords the others' relation and audits it."""
    import importlib
    from types import SimpleNamespace

    from tortoise.connection import connections

    migration = importlib.import_module("core.migrations.0002_one_head_per_unit")
    w = await build_world()
    conn = connections.get("default")
    await conn.execute_script("DROP INDEX core_resident_one_head_per_unit;")
    try:
        extra = [await make_resident(w.unit1, f"多余户主{i}", HouseholdRelation.HEAD) for i in range(2)]
        await migration.demote_extra_heads(None, SimpleNamespace(client=conn))
    finally:
        await conn.execute_script(
            "CREATE UNIQUE INDEX core_resident_one_head_per_unit ON core_resident (unit_id)"
            " WHERE relation_to_head = 'HEAD' AND status = 'ACTIVE';"
        )
    heads = await m.Resident.filter(unit_id=w.unit1.id, relation_to_head=HouseholdRelation.HEAD)
    assert [r.id for r in heads] == [w.residents["zhang"].id]
    for r in extra:
        assert (await m.Resident.get(id=r.id)).relation_to_head is None
    rows = await m.AuditLog.filter(action="migration.oneHeadPerUnit").order_by("id")
    assert [r.subject_gid for r in rows] == [w.gid(r) for r in extra]
    assert all(r.field == "relationToHead" and w.gid(w.residents["zhang"]) in r.detail and r.at for r in rows)
    # The other units were left as they were.
    assert await active_heads(w.unit2) == 1 and await active_heads(w.unit3) == 1
