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


def tortoise_config(database_url: str, plugin_apps: dict[str, dict[str, Any]] | None = None) -> dict:
    # Core first: plugin migrations depend on core's.
    apps = {"core": dict(CORE_APP)}
    for label, app in (plugin_apps or {}).items():
        apps[label] = {"default_connection": "default", **app}
    return {
        "connections": {"default": normalise_url(database_url)},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(config: dict, *, global_fallback: bool = True) -> None:
    await Tortoise.init(config=config, _enable_global_fallback=global_fallback)


async def migrate(config: dict) -> None:
    """Apply every pending migration of core and the enabled plugins."""
    await migrate_api(config=config)


async def close_db() -> None:
    await Tortoise.close_connections()
