"""Database configuration: one tortoise app for core, one per enabled plugin."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.api import migrate as migrate_api

from core import pg_search

pg_search.install()

CORE_APP = {"models": ["core.models"], "migrations": "core.migrations", "default_connection": "default"}


def normalise_url(url: str) -> str:
    """Accept the URL spellings people paste (postgresql://, postgres://)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres+asyncpg://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix) :]
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


def connection_config(
    url: str, connect_timeout: float | None = None, statement_timeout: float | None = None
) -> str | dict:
    """One tortoise connection: PostgreSQL without the per-statement session reset, and with
    the timeouts (see :func:`_bounded_postgres`) when given."""
    url = normalise_url(url)
    if not is_postgres(url):
        return url
    config = _bounded_postgres(url, connect_timeout, statement_timeout)
    config["credentials"]["reset"] = _keep_session
    return config


def tortoise_config(
    database_url: str,
    plugin_apps: dict[str, dict[str, Any]] | None = None,
    read_database_url: str | None = None,
    *,
    connect_timeout: float | None = None,
    statement_timeout: float | None = None,
) -> dict:
    """The tortoise config; on PostgreSQL the timeouts bound every connect and statement.
    Migrations are applied without them: DDL may legitimately run long."""
    # Core first: plugin migrations depend on core's.
    apps = {"core": dict(CORE_APP)}
    for label, app in (plugin_apps or {}).items():
        apps[label] = {"default_connection": "default", **app}
    config = {
        "connections": {"default": connection_config(database_url, connect_timeout, statement_timeout)},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }
    if read_database_url:
        # Queries may read a replica (core.replica); writes and migrations use "default".
        from core import replica

        replica.install()
        config["connections"]["replica"] = connection_config(
            read_database_url, connect_timeout, statement_timeout
        )
        config["routers"] = ["core.replica.ReadRouter"]
    return config


async def init_db(config: dict, *, global_fallback: bool = True) -> None:
    await Tortoise.init(config=config, _enable_global_fallback=global_fallback)


async def migrate(config: dict) -> None:
    """Apply every pending migration of core and the enabled plugins."""
    await migrate_api(config=config)


async def close_db() -> None:
    await Tortoise.close_connections()


def _bounded_postgres(url: str, connect_timeout: float | None, statement_timeout: float | None) -> dict:
    """Tortoise credentials for asyncpg with timeouts, so a frozen or unreachable server answers
    SERVICE_UNAVAILABLE instead of hanging requests (issue 10, item 7).

    - ``timeout``: asyncpg's connect timeout for each new pool connection;
    - ``statement_timeout`` (server setting): PostgreSQL cancels a statement running longer;
    - ``command_timeout``: the client gives up a second later, which is what bounds a statement
      when the server itself is frozen (SIGSTOP, a dead network path) and can cancel nothing.
    """
    config = expand_db_url(url)
    credentials = config["credentials"]
    if connect_timeout:
        credentials["timeout"] = connect_timeout
    if statement_timeout:
        settings = dict(credentials.get("server_settings") or {})
        settings["statement_timeout"] = str(int(statement_timeout * 1000))
        credentials["server_settings"] = settings
        credentials["command_timeout"] = statement_timeout + 1
    return config


# What "the database is not there right now" looks like from asyncpg and tortoise: refused or
# dropped connections, timeouts, a server shutting down or starting up, no free connection slot.
_UNAVAILABLE = (
    OSError,  # ConnectionRefusedError, ConnectionResetError, socket.gaierror ...
    asyncio.TimeoutError,
    DBConnectionError,
    asyncpg.PostgresConnectionError,  # class 08
    asyncpg.ConnectionDoesNotExistError,  # the connection dropped mid-query
    asyncpg.CannotConnectNowError,  # 57P03: starting up
    asyncpg.AdminShutdownError,  # 57P01
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.QueryCanceledError,  # 57014: statement_timeout
    asyncpg.TooManyConnectionsError,  # 53300
)


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it wraps) means the database is unreachable or not answering in time.

    Tortoise wraps some driver errors (``OperationalError(exc)``), so causes and arguments are
    followed too."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _UNAVAILABLE):
            return True
        if isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc):
            return True
        wrapped = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = exc.__cause__ or wrapped or exc.__context__
    return False
