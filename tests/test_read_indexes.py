"""Every foreign key and every column reads filter on is indexed, read off PostgreSQL's catalogue.

A foreign key without an index turns each nested list (a unit's residents, a community's
partner links) into a scan of the child table, and each delete of a parent into one too.
An index counts for a column when the column is its first key (a composite unique index
on (building_id, label) serves building_id).
"""

import pytest
from tortoise.connection import connections

# Filter columns of the read API that are not foreign keys: (table, column).
FILTER_COLUMNS = [
    ("core_resident", "status"),
    ("core_resident", "birth_date"),
    ("core_resident", "phone_last4"),
    ("core_resident", "phone_hash"),
    ("core_resident", "created_at"),
    ("core_area", "level"),
    ("core_organization", "kind"),
    *[
        (t, f"{lv}_ref")
        for t in ("core_area", "core_unit", "core_resident")
        for lv in ("district", "subdistrict", "community", "compound", "building")
    ],
]

LEADING_COLUMNS = """
SELECT t.relname AS tbl, a.attname AS col
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
"""

FOREIGN_KEYS = """
SELECT t.relname AS tbl, a.attname AS col
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f'
"""


async def _pairs(sql: str) -> set[tuple[str, str]]:
    rows = await connections.get("default").execute_query_dict(sql)
    return {(r["tbl"], r["col"]) for r in rows}


@pytest.fixture
async def indexed(on_postgres):
    if not on_postgres:
        pytest.skip("reads PostgreSQL's catalogue")
    return await _pairs(LEADING_COLUMNS)


async def test_every_foreign_key_of_core_and_plugins_is_indexed(indexed):
    fks = await _pairs(FOREIGN_KEYS)
    assert len(fks) > 20, fks  # core's and the plugins' tables are all there
    assert sorted(fks - indexed) == []


async def test_every_filter_column_is_indexed(indexed):
    assert sorted(set(FILTER_COLUMNS) - indexed) == []


async def test_name_search_has_trigram_indexes(on_postgres):
    if not on_postgres:
        pytest.skip("pg_trgm is PostgreSQL's")
    rows = await connections.get("default").execute_query_dict(
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE '%gin_trgm_ops%'"
    )
    tables = {r["tablename"] for r in rows}
    assert {"core_resident", "core_area", "core_organization"} <= tables, rows


async def test_resident_search_uses_the_trigram_index(on_postgres):
    """The SQL name search sends (ILIKE on the indexed expression) can use the index."""
    if not on_postgres:
        pytest.skip("pg_trgm is PostgreSQL's")
    from core import models as m

    conn = connections.get("default")
    sql = m.Resident.filter(name__icontains="王秀英").only("id").sql(params_inline=True)
    async with conn._in_transaction() as tx:
        await tx.execute_script("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r["QUERY PLAN"] for r in await tx.execute_query_dict("EXPLAIN " + sql))
    assert "core_resident_name_trgm" in plan, (sql, plan)
