"""Running a compiled statement through tortoise's connection, on either database."""

from __future__ import annotations

import orjson

from core.compiler.dialect import SQLITE_FUNCTIONS, Dialect, Postgres, SQLite
from core.replica import read_connection


def connection():
    return read_connection()


def dialect_of(conn) -> Dialect:
    return Postgres() if conn.capabilities.dialect == "postgres" else SQLite()


async def _ensure_sqlite_functions(conn) -> None:
    """Registers the lm_* helpers on the SQLite connection once (a reconnect gets them again)."""
    await conn.ensure_connection() if hasattr(conn, "ensure_connection") else None
    raw = getattr(conn, "_connection", None)
    if raw is None or getattr(raw, "_lastmile_functions", False):
        return
    for name, (nargs, fn) in SQLITE_FUNCTIONS.items():
        await raw.create_function(name, nargs, fn, deterministic=True)
    raw._lastmile_functions = True


async def run_raw(conn, sql: str, values: list) -> str | bytes:
    """The JSON text ``SELECT <expr> AS lm_json`` returns, as the database spelled it."""
    if conn.capabilities.dialect != "postgres":
        await _ensure_sqlite_functions(conn)
    rows = await conn.execute_query_dict(sql, values)
    raw = rows[0]["lm_json"]
    return raw if isinstance(raw, str | bytes) else orjson.dumps(raw)


async def run_json(conn, sql: str, values: list):
    """The single JSON value ``SELECT <expr> AS lm_json`` returns, decoded."""
    return orjson.loads(await run_raw(conn, sql, values))
