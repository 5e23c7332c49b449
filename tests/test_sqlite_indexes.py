"""SQLite keeps an index on every foreign key and indexed column of core (migration 0008):
table rebuilds in earlier migrations dropped them, and every nested list became a scan."""

from __future__ import annotations

from importlib import import_module

import pytest
from tortoise.connection import connections


async def test_every_indexed_column_leads_an_index(on_postgres):
    if on_postgres:
        pytest.skip("PostgreSQL: tests/test_read_indexes.py reads its catalogue")
    migration = import_module("core.migrations.0008_sqlite_read_indexes")
    client = connections.get("default")
    missing = []
    for table, columns in migration.INDEXED.items():
        have = await migration._leading_columns(client, table)
        missing += [f"{table}.{c}" for c in columns if c not in have]
    assert missing == []


async def test_nested_lists_use_the_indexes(on_postgres):
    if on_postgres:
        pytest.skip("SQLite's planner")
    client = connections.get("default")
    for sql in (
        "SELECT id FROM core_resident WHERE unit_id = 1",
        "SELECT id FROM core_area WHERE parent_id = 1",
    ):
        plan = " ".join(
            str(r.get("detail")) for r in await client.execute_query_dict("EXPLAIN QUERY PLAN " + sql)
        )
        assert "USING" in plan and "INDEX" in plan, plan
