"""Database configuration: one tortoise app for core, one per enabled plugin."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate as migrate_api

from core import pg_search

pg_search.install()

CORE_APP = {"models": ["core.models"], "migrations": "core.migrations", "default_connection": "default"}


def normalise_url(url: str) -> str:
    """Accept the URL spellings people paste (postgresql://, postgres://)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix):]
    return url


def is_postgres(url: str) -> bool:
    return normalise_url(url).startswith(("postgres://", "asyncpg://"))


async def _keep_session(connection) -> None:
    """asyncpg's pool runs ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
    each time tortoise hands a connection back, i.e. after every statement: a second round trip
    per statement. Nothing here leaves session state behind (no LISTEN, no cursors, no
    session-level SET or advisory locks: use SET LOCAL and pg_advisory_xact_lock), so the reset
    is skipped. asyncpg still rolls back a transaction left open before pooling the connection."""
    return None


def connection_config(url: str) -> str | dict:
    """One tortoise connection: PostgreSQL without the per-statement session reset."""
    url = normalise_url(url)
    if not is_postgres(url):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(url)
    config["credentials"]["reset"] = _keep_session
    return config


def tortoise_config(database_url: str, plugin_apps: dict[str, dict[str, Any]] | None = None,
                    read_database_url: str | None = None) -> dict:
    # Core first: plugin migrations depend on core's.
    apps = {"core": dict(CORE_APP)}
    for label, app in (plugin_apps or {}).items():
        apps[label] = {"default_connection": "default", **app}
    config = {
        "connections": {"default": connection_config(database_url)},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }
    if read_database_url:
        # Queries may read a replica (core.replica); writes and migrations use "default".
        from core import replica

        replica.install()
        config["connections"]["replica"] = connection_config(read_database_url)
        config["routers"] = ["core.replica.ReadRouter"]
    return config


async def init_db(config: dict, *, global_fallback: bool = True) -> None:
    await Tortoise.init(config=config, _enable_global_fallback=global_fallback)


async def migrate(config: dict) -> None:
    """Apply every pending migration of core and the enabled plugins."""
    await migrate_api(config=config)


async def close_db() -> None:
    await Tortoise.close_connections()
