"""The app under test, a GraphQL-over-HTTP client and an SQL statement counter (N+1 checks)."""

from __future__ import annotations

import contextlib
import logging

import httpx
from tortoise import Tortoise
from tortoise.connection import connections

from core.api.schema import build_runtime
from core.app import create_app
from core.plugins import PluginHost
from core.settings import get_settings


def build_test_app(plugins: list[str] | None, extra_modules=(), **overrides):
    """The ASGI app with exactly ``plugins`` enabled (None: every built-in plugin), plus the
    plugin modules ``extra_modules`` registered directly (a test's own small plugin), and
    settings ``overrides``; the database is the one the ``database`` fixture opened."""
    settings = get_settings().model_copy(update=overrides) if overrides else get_settings()
    runtime = build_runtime(settings, PluginHost(plugins, extra_modules=list(extra_modules)))
    return create_app(settings, runtime=runtime, manage_db=False)


async def reset_tables() -> None:
    """Empty every table of every enabled app (the ``clean_tables`` fixture runs it before each test)."""
    from core.compiler.cache import forget_all
    from core.viewer_cache import CACHE

    # Ids restart: a remembered plan or a cached viewer could name rows of the previous test.
    forget_all()
    CACHE.drop()
    conn = connections.get("default")
    tables = []
    for app in Tortoise.apps.values():
        for model in app.values():
            tables.append(model._meta.db_table)
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE;")
    else:
        script = "PRAGMA foreign_keys = OFF;" + "".join(f'DELETE FROM "{t}";' for t in tables)
        await conn.execute_script(script + "PRAGMA foreign_keys = ON;")
        # Restart ids so that runs are reproducible.
        with contextlib.suppress(Exception):
            await conn.execute_script("DELETE FROM sqlite_sequence;")


class GraphQLClient:
    """Posts operations to /graphql like a front-end would."""

    def __init__(self, app):
        self.app = app
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.http.aclose()

    async def post(self, query: str, variables: dict | None = None, token: str | None = None, **headers):
        hdrs = {"Authorization": f"Bearer {token}"} if token else {}
        hdrs.update(headers)
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=hdrs
        )

    async def __call__(
        self, query: str, variables: dict | None = None, token: str | None = None, *, errors_ok: bool = False
    ) -> dict:
        """The response body; fails the test on GraphQL errors unless errors_ok."""
        resp = await self.post(query, variables, token)
        assert resp.status_code in (200, 400), resp.text
        body = resp.json()
        if not errors_ok:
            assert not body.get("errors"), body["errors"]
        return body

    async def data(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        return (await self(query, variables, token))["data"]


@contextlib.asynccontextmanager
async def app_client(plugins: list[str] | tuple[str, ...] | None = None, **settings_overrides):
    """``async with app_client(["noticeboard"]) as client:`` a :class:`GraphQLClient` for a fresh
    app with those plugins (the ``client`` fixture gives one for the session's plugin set)."""
    app = build_test_app(list(plugins) if plugins is not None else None, **settings_overrides)
    async with GraphQLClient(app) as client:
        yield client


class StatementCounter(logging.Handler):
    """Collects the SQL statements tortoise logs (see :func:`count_statements`)."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record):
        msg = record.getMessage()
        if msg.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(msg)


@contextlib.contextmanager
def count_statements():
    """``with count_statements() as sql: ...``: ``sql`` lists every statement sent meanwhile,
    so a test can bound how many a query costs (one per list, not one per row)."""
    logger = logging.getLogger("tortoise.db_client")
    handler = StatementCounter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


async def run_scheduled_job(target, name: str, now=None, force: bool = True):
    """Run the scheduled job ``name`` of ``target`` (an app from :func:`build_test_app`, a
    ``Runtime`` or a ``PluginHost``) as of ``now`` (a controllable clock); events go to the
    app's bus. Returns ``core.scheduled.RunOutcome``."""
    from core.scheduled import run_job

    runtime = getattr(getattr(target, "state", None), "runtime", None) or (
        target if hasattr(target, "host") else None
    )
    host = runtime.host if runtime is not None else target
    jobs = {job.name: job for job in host.scheduled_jobs()}
    if name not in jobs:
        raise KeyError(f"no scheduled job {name!r}; enabled: {', '.join(sorted(jobs)) or 'none'}")
    return await run_job(jobs[name], bus=getattr(runtime, "bus", None), now=now, force=force, host=host)
