"""Core's test fixtures (client, database, ...) for the mediation tests.

When the whole suite runs, another folder's tests have usually migrated and
opened the test database in this session already: ``database`` then reuses
it instead of migrating (and on PostgreSQL wiping) it a second time.
"""

from __future__ import annotations

import pytest
from tortoise import Tortoise
from tortoise.connection import connections

from core.db import close_db, init_db, is_postgres, migrate, tortoise_config
from core.plugins import PluginHost
from tests.conftest import *  # noqa: F403
from tests.conftest import TEST_PLUGINS, _drop_everything


async def _already_open() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1 FROM mediation_case_counter")
    except Exception:
        return False
    return "mediation" in Tortoise.apps


@pytest.fixture(scope="session", autouse=True)
async def database(database_url):
    config = tortoise_config(database_url, PluginHost(TEST_PLUGINS).tortoise_apps())
    if await _already_open():
        yield config
        return
    if is_postgres(database_url):
        await _drop_everything(config)
    await migrate(config)
    await Tortoise.close_connections()
    await init_db(config)
    yield config
    await close_db()
