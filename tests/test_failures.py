"""JSON answers in every failure (issue 10, items 7 and 8): never a plain-text 500, never a driver message.

The database and Redis outages themselves are played for real in tests/reliability/ (PostgreSQL);
here the failures are provoked in process, so these run on SQLite too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import jwt
import pytest

from core import models as m
from core import redis_bus
from core.api import failures
from core.auth import ALGORITHM, ISSUER
from core.events import Event
from core.redis_bus import RedisBus
from core.testing import GraphQLClient, build_test_app, build_world

ROOT = Path(__file__).resolve().parent.parent
PROD_SECRET = "f" * 48
ME = "{ me { username } }"


def prod_app(app_factory, **extra):
    return app_factory((), env="production", secret_key=PROD_SECRET, **extra)


def _client(app) -> httpx.AsyncClient:
    # raise_app_exceptions=False: what a real server would send, even if the app raised.
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test"
    )


def _assert_coded_json(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/"), resp.headers
    body = resp.json()
    assert body["errors"] and all(e["extensions"]["code"] == code for e in body["errors"]), body
    return body


# ---------------------------------------------------------------- request bodies


@pytest.mark.parametrize("depth", [1_000, 1_100, 100_000])
async def test_deeply_nested_json_is_a_400(app_factory, depth):
    async with _client(prod_app(app_factory)) as http:
        for body in (
            b'{"query": "{ plugins { name } }", "variables": {"a": ' + b"[" * depth + b"]" * depth + b"}}",
            b"[" * depth,
        ):
            resp = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
            if resp.status_code == 200:  # a nesting JSON allows (under 1024) still runs fine
                assert "errors" not in resp.json()
                continue
            _assert_coded_json(resp, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "\xff\xfe{ plugins { name } }"}',
        b"\xc3\x28",
        b'{"query": "{ plugins { name } }", "variables": {"a": "\xff"}}',
    ],
)
async def test_invalid_utf8_is_a_400(app_factory, body):
    async with _client(prod_app(app_factory)) as http:
        resp = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
        _assert_coded_json(resp, 400, "BAD_REQUEST")
        resp = await http.get("/graphql?query=%7B%20plugins%20%7B%20name%20%7D%20%7D&variables=%FF%FE")
        _assert_coded_json(resp, 400, "BAD_REQUEST")


def _signed(sub, secret=PROD_SECRET) -> str:
    now = dt.datetime.now(dt.UTC)
    return jwt.encode(
        {"sub": sub, "iat": now, "exp": now + dt.timedelta(hours=1), "iss": ISSUER},
        secret,
        algorithm=ALGORITHM,
    )


@pytest.mark.parametrize("sub", [str(2**31), str(2**63), str(10**30), "-1", "0", "1e3", "０１"])
async def test_signed_token_with_an_impossible_user_id_is_unauthenticated(app_factory, sub):
    async with _client(prod_app(app_factory)) as http:
        resp = await http.post(
            "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {_signed(sub)}"}
        )
        _assert_coded_json(resp, 200, "UNAUTHENTICATED")


# ---------------------------------------------------------------- the database away


async def test_database_down_while_reading_the_viewer_is_a_json_503(app_factory, monkeypatch):
    from core import app as app_module

    async def refused(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr(app_module, "viewer_from_token", refused)
    async with _client(prod_app(app_factory)) as http:
        resp = await http.post(
            "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {_signed('1')}"}
        )
        body = _assert_coded_json(resp, 503, "SERVICE_UNAVAILABLE")
        assert resp.headers["retry-after"] and "5432" not in resp.text and "Connect call" not in resp.text
        assert body["errors"][0]["message"] == failures.UNAVAILABLE_MESSAGE


@pytest.mark.parametrize("env", ["production", "development"])
async def test_database_down_inside_a_resolver_is_a_json_503_not_an_internal_error(
    app_factory, monkeypatch, env
):
    async def cannot_connect(*args, **kwargs):
        raise asyncpg.CannotConnectNowError("the database system is starting up")

    app = app_factory((), env=env, secret_key=PROD_SECRET)
    monkeypatch.setattr(m.User, "get_or_none", cannot_connect)
    async with _client(app) as http:
        resp = await http.post(
            "/graphql",
            json={"query": 'mutation { login(username: "admin", password: "whatever-it-is") { token } }'},
        )
        _assert_coded_json(resp, 503, "SERVICE_UNAVAILABLE")
        assert "starting up" not in resp.text and "asyncpg" not in resp.text


async def test_readyz_answers_within_its_timeout_when_the_database_hangs(app_factory, monkeypatch):
    from tortoise.connection import connections

    conn = connections.get("default")

    async def frozen(*args, **kwargs):
        await asyncio.sleep(3600)

    monkeypatch.setattr(type(conn), "execute_query", frozen)
    async with _client(app_factory((), readyz_timeout=0.2)) as http:
        resp = await asyncio.wait_for(http.get("/readyz"), 10)
    assert resp.status_code == 503 and resp.json() == {"status": "unavailable"}


async def test_an_exception_outside_graphql_execution_is_a_json_500_with_an_error_id(
    app_factory, monkeypatch, caplog
):
    from core.app import LastmileGraphQL

    async def broken(self, request, response):
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr(LastmileGraphQL, "get_context", broken)
    caplog.set_level(logging.ERROR, logger="lastmile.app")
    async with _client(prod_app(app_factory)) as http:
        resp = await http.post("/graphql", json={"query": "{ plugins { name } }"})
    body = _assert_coded_json(resp, 500, "INTERNAL_SERVER_ERROR")
    error_id = body["errors"][0]["extensions"]["errorId"]
    assert "secret detail" not in resp.text and error_id in body["errors"][0]["message"]
    assert [r for r in caplog.records if error_id in r.getMessage() and r.exc_info]


def test_postgres_connections_carry_connect_and_statement_timeouts():
    from core.db import tortoise_config

    config = tortoise_config("postgres://u@db:5432/x?maxsize=7", connect_timeout=2, statement_timeout=3)
    credentials = config["connections"]["default"]["credentials"]
    assert credentials["timeout"] == 2 and credentials["command_timeout"] == 4
    assert credentials["server_settings"]["statement_timeout"] == "3000" and credentials["maxsize"] == "7"
    assert (
        tortoise_config("sqlite://x.sqlite3", connect_timeout=2)["connections"]["default"]
        == "sqlite://x.sqlite3"
    )


def test_database_unavailable_recognises_driver_failures_only():
    from tortoise.exceptions import OperationalError

    from core.db import database_unavailable

    for exc in (
        ConnectionRefusedError(),
        TimeoutError(),
        asyncpg.CannotConnectNowError("x"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        OperationalError(asyncpg.AdminShutdownError("x")),
    ):
        assert database_unavailable(exc), exc
    for exc in (ValueError("x"), OperationalError("syntax error"), asyncpg.UniqueViolationError("x"), None):
        assert not database_unavailable(exc), exc


# ---------------------------------------------------------------- operations and validation


async def test_several_operations_without_operation_name_are_refused(core_client):
    w = await build_world()
    doc = "query A { me { username } } query B { plugins { name } }"
    body = await core_client(doc, token=w.tokens["c1_worker"], errors_ok=True)
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "operationName" in body["errors"][0]["message"]
    resp = await core_client.http.post(
        "/graphql",
        json={"query": doc, "operationName": "B"},
        headers={"authorization": f"Bearer {w.tokens['c1_worker']}"},
    )
    assert resp.json() == {"data": {"plugins": []}}
    # One operation needs no name.
    assert await core_client.data("query A { me { username } }", token=w.tokens["c1_worker"]) == {
        "me": {"username": "c1_worker"}
    }


PROBES = [
    "{ residents { edges } }",  # "Field 'edges' of type '[ResidentEdge!]!' must have a selection of subfields"
    '{ login(username: "a", password: "b") { tokenz } }',
    '{ login(username: "a", password: "b") { userErrors { codez } } }',
    "query($x: ResidentFilter) { plugins { name } }",
    "{ plugins { name { x } } }",
    "{ ... on Resident { id } }",
    "mutation { login(username: 1, password: 2) { token } }",
]


async def test_production_validation_errors_name_no_type_to_anonymous_callers(app_factory):
    app = prod_app(app_factory)
    async with GraphQLClient(app) as client:
        w = await build_world()
        from core.auth import issue_token

        token = issue_token(w.users["c1_worker"], app.state.runtime.settings)[0]
        for probe in PROBES:
            body = await client(probe, errors_ok=True)
            assert "data" not in body, (probe, body)
            for error in body["errors"]:
                code = error["extensions"]["code"]
                assert code in ("GRAPHQL_VALIDATION_FAILED", "UNAUTHENTICATED"), (probe, error)
                for name in (
                    "Resident",
                    "ResidentEdge",
                    "LoginPayload",
                    "UserError",
                    "ResidentFilter",
                    "String",
                    "Plugin",
                    "Query",
                    "Mutation",
                ):
                    assert f"'{name}" not in error["message"] and f"{name}'" not in error["message"], (
                        probe,
                        error,
                    )
        # A root field that exists and one that does not are refused alike.
        real = (await client("{ residents { totalCount } }", errors_ok=True))["errors"][0]
        fake = (await client("{ residentz { totalCount } }", errors_ok=True))["errors"][0]
        assert real["extensions"]["code"] == fake["extensions"]["code"] == "UNAUTHENTICATED"
        # Signed-in callers get the real message.
        body = await client("{ residents { edges } }", token=token, errors_ok=True)
        assert "ResidentEdge" in body["errors"][0]["message"]


async def test_unused_variable_is_a_validation_error_and_bad_value_is_bad_user_input(core_client):
    w = await build_world()
    token = w.tokens["c1_worker"]
    body = await core_client("query($x: Int) { plugins { name } }", token=token, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    body = await core_client(
        "query($x: Int!) { residents(first: $x) { totalCount } }", {"x": "many"}, token=token, errors_ok=True
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await core_client(
        "query($x: Int!) { residents(first: $x) { totalCount } }", token=token, errors_ok=True
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# ---------------------------------------------------------------- the error log


async def test_client_errors_are_logged_at_info_bounded_and_sampled(app_factory, monkeypatch, caplog):
    monkeypatch.setattr(failures, "_client_lines", failures._Sampler(5, 60.0))
    caplog.set_level(logging.DEBUG)
    app = prod_app(app_factory)
    huge = "{ plugins { " + "name " * 20_000 + "nope } }"  # ~100 KB, one validation error
    async with GraphQLClient(app) as client:
        w = await build_world()
        from core.auth import issue_token

        token = issue_token(w.users["c1_worker"], app.state.runtime.settings)[0]
        caplog.clear()
        for _ in range(12):
            await client(huge, token=token, errors_ok=True)
            await client("{ residents { totalCount } }", errors_ok=True)  # UNAUTHENTICATED
            await client("{ plugins { name }", token=token, errors_ok=True)  # syntax
    ours = [r for r in caplog.records if r.name.startswith(("lastmile", "strawberry"))]
    assert ours and not [r for r in ours if r.levelno >= logging.WARNING], [
        r.getMessage()[:200] for r in ours
    ]
    assert all(len(r.getMessage()) < 600 for r in ours)
    assert not [r for r in ours if "name name name name name" in r.getMessage()]
    client_lines = [r for r in ours if r.name == "lastmile.errors.client"]
    assert len(client_lines) == 5  # 36 client errors, 5 admitted in the window


async def test_unexpected_errors_are_still_logged_at_error_in_development(core_client, monkeypatch, caplog):
    from core.api import queries

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "resident_where", boom)
    w = await build_world()
    caplog.set_level(logging.INFO)
    body = await core_client("{ residents { totalCount } }", token=w.tokens["c1_worker"], errors_ok=True)
    assert body["errors"]
    assert [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and r.exc_info and "a bug" in str(r.exc_info[1])
    ]


# ---------------------------------------------------------------- start-up


@pytest.mark.parametrize(
    "env",
    [
        {"LASTMILE_PII_KEY": "short"},
        {"LASTMILE_SECRET_KEY": "short"},
    ],
)
def test_short_production_keys_stop_lastmile_serve_with_one_line(env, tmp_path):
    full = {
        **os.environ,
        "LASTMILE_ENV": "production",
        "LASTMILE_SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite://{tmp_path}/x.sqlite3",
        **env,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "serve", "--port", "9599"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("lastmile: ") and "Traceback" not in proc.stderr, (
        proc.stderr
    )
    assert "32" in lines[0]


# ---------------------------------------------------------------- Redis that does not answer


async def _frozen_redis():
    """A TCP server that accepts and never answers: Redis under SIGSTOP, as a client sees it."""
    held = []

    async def hold(reader, writer):
        held.append(writer)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], held


async def test_frozen_redis_neither_slows_publishers_nor_silences_local_subscribers(monkeypatch):
    monkeypatch.setattr(redis_bus, "START_TIMEOUT", 0.2)
    server, port, held = await _frozen_redis()
    bus = RedisBus(f"redis://127.0.0.1:{port}/0?channel=frozen", publish_timeout=0.3)
    try:
        await bus.start()
        sub = bus.subscribe("t")
        started = time.monotonic()
        for i in range(50):
            await bus.publish(Event("t", {"n": i}))
        elapsed = time.monotonic() - started
        assert elapsed < 0.5, elapsed  # nothing waited on Redis (50 publishes)
        assert [sub.queue.get_nowait().data["n"] for _ in range(50)] == list(range(50))
        # The sender gave up on the frozen server within its timeout and counts what others missed.
        deadline = time.monotonic() + 5
        while bus.lost == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert bus.lost > 0
    finally:
        await asyncio.wait_for(bus.stop(), 5)
        for writer in held:
            writer.close()
        server.close()


async def test_an_operation_name_that_is_not_a_string_is_a_400():
    # Found by the fuzzer: `operationName: true` reached the metrics' label and answered 500.
    async with GraphQLClient(build_test_app([])) as client:
        for body in (
            b'{"":"","operationName":true}',
            b'{"query":"{ plugins { name } }","operationName":{"a":1}}',
        ):
            resp = await client.http.post(
                "/graphql", content=body, headers={"content-type": "application/json"}
            )
            assert resp.status_code == 400, resp.text
            assert resp.headers["content-type"].startswith("application/json")
