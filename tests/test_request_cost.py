"""The fixed cost of a request: no session reset per statement, the collector tuned for serving."""

import gc

import pytest
from tortoise.connection import connections

from core.db import _keep_session, connection_config


def test_postgres_connections_skip_the_session_reset():
    config = connection_config("postgresql://u:p@127.0.0.1:5432/db?maxsize=10")
    assert config["engine"] == "tortoise.backends.asyncpg"
    assert config["credentials"]["reset"] is _keep_session
    assert config["credentials"]["maxsize"] == "10"
    assert connection_config("sqlite:///tmp/x.sqlite3") == "sqlite:///tmp/x.sqlite3"


async def test_a_statement_is_one_round_trip(on_postgres, core_client):
    """asyncpg would send `... RESET ALL` on each release; with the reset skipped, session
    state set on a pooled connection survives its return to the pool (which is why code
    must not set any: SET LOCAL inside transactions only)."""
    if not on_postgres:
        pytest.skip("asyncpg's pool is PostgreSQL's")
    conn = connections.get("default")
    assert conn._pool._reset is _keep_session
    async with conn.acquire_connection() as raw:
        await raw.execute("SET application_name = 'lastmile-reset-probe'")
        pid = raw.get_server_pid()
    async with conn.acquire_connection() as raw:
        same = raw.get_server_pid() == pid
        name = await raw.fetchval("SHOW application_name")
        await raw.execute("RESET application_name")
    if same:
        assert name == "lastmile-reset-probe"


def test_tune_for_serving_freezes_and_raises_thresholds():
    from core.gc_tuning import THRESHOLDS, tune_for_serving

    before = gc.get_threshold()
    try:
        tune_for_serving()
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
