"""The pytest fixtures of core.testing: a real database (SQLite or PostgreSQL), the ASGI app, a GraphQL client.

``LASTMILE_TEST_DATABASE_URL`` picks the database (default: a SQLite file in a
temp dir). The schema is migrated once per session with the apps of the
plugins the ``lastmile_plugins`` fixture names, and every table is emptied
before each test. A plugin's own conftest.py overrides ``lastmile_plugins``
to test itself alone: only what is enabled counts, never what is installed.
"""

from __future__ import annotations

import os
import tempfile

import pytest
from tortoise import Tortoise
from tortoise.connection import connections

from core.db import close_db, init_db, is_postgres, migrate, tortoise_config
from core.plugins import PluginHost
from core.testing.client import GraphQLClient, build_test_app, reset_tables

TEST_DB = os.environ.get("LASTMILE_TEST_DATABASE_URL") or (
    "sqlite://" + os.path.join(tempfile.mkdtemp(prefix="lastmile-test-"), "test.sqlite3")
)
os.environ.setdefault("DATABASE_URL", TEST_DB)
# Which built-in plugins the session migrates and the `client` fixture serves
# (comma-separated; unset = all). Lets a plugin be worked on alone.
_only = os.environ.get("LASTMILE_TEST_PLUGINS")
TEST_PLUGINS: tuple[str, ...] | None = (
    tuple(p.strip() for p in _only.split(",") if p.strip()) if _only is not None else None
)


def pytest_configure(config):
    """On PostgreSQL: create the test database when it is missing; stop at once, in one line,
    when the server cannot be reached (rather than one connection error per test)."""
    if not is_postgres(TEST_DB):
        return
    import asyncio

    from core.cli import ensure_postgres_database, url_problem
    from core.db import normalise_url

    where = TEST_DB.split("@")[-1]
    if problem := url_problem(TEST_DB):
        raise pytest.UsageError(f"LASTMILE_TEST_DATABASE_URL ({where}): {problem}")
    try:
        asyncio.run(ensure_postgres_database(normalise_url(TEST_DB), timeout=5))
    except Exception as exc:  # noqa: BLE001 - refused, timed out, unknown host, bad password: all end the run
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise pytest.UsageError(
            f"PostgreSQL for the tests is unreachable at {where} ({reason}); start it, "
            "or unset LASTMILE_TEST_DATABASE_URL to test on SQLite"
        ) from None


def pytest_report_header(config):
    return f"lastmile test database: {TEST_DB.split('@')[-1]}"


@pytest.fixture(scope="session")
def database_url() -> str:
    return TEST_DB


@pytest.fixture(scope="session")
def on_postgres(database_url) -> bool:
    return is_postgres(database_url)


@pytest.fixture(scope="session")
def lastmile_plugins() -> tuple[str, ...] | None:
    """The plugins the session migrates and ``client`` serves (None: every built-in one).

    Default: LASTMILE_TEST_PLUGINS, else all built-ins. Override it in a plugin's
    conftest.py (``return ("noticeboard",)``)."""
    return TEST_PLUGINS


@pytest.fixture(scope="session", autouse=True)
async def database(database_url, lastmile_plugins):
    config = tortoise_config(database_url, PluginHost(_names(lastmile_plugins)).tortoise_apps())
    if is_postgres(database_url):
        await _drop_everything(config)
    await migrate(config)
    await Tortoise.close_connections()
    await init_db(config)
    yield config
    await close_db()


def _names(plugins) -> list[str] | None:
    return list(plugins) if plugins is not None else None


async def _drop_everything(config):
    """Start PostgreSQL runs from an empty public schema (a previous run may have left tables)."""
    await Tortoise.init(config={**config, "apps": {"core": config["apps"]["core"]}})
    conn = connections.get("default")
    await conn.execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    await Tortoise.close_connections()


@pytest.fixture(autouse=True)
async def clean_tables(database):
    await reset_tables()
    yield


@pytest.fixture(scope="session")
def app_factory():
    """``app_factory(plugins)`` -> ASGI app with that plugin set (cached per set)."""
    cache = {}

    def make(plugins: tuple[str, ...] | None = None, **settings_overrides):
        key = (plugins, tuple(sorted(settings_overrides.items())))
        if key not in cache:
            cache[key] = build_test_app(_names(plugins), **settings_overrides)
        return cache[key]

    return make


@pytest.fixture
async def client(app_factory, lastmile_plugins):
    """A client for the app with the session's plugins (``lastmile_plugins``) enabled."""
    async with GraphQLClient(app_factory(lastmile_plugins)) as c:
        yield c


@pytest.fixture
async def core_client(app_factory):
    """A client for the app with no plugin enabled."""
    async with GraphQLClient(app_factory(())) as c:
        yield c
