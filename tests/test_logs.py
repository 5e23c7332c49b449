"""Structured logs: one JSON line per operation with who, what, how long and how many statements;
client mistakes at INFO; a console format for development."""

import io
import json
import logging

import pytest

from core.logs import configure_logging, remove_handler
from core.testing import build_world, count_statements


@pytest.fixture
def captured():
    """configure_logging writing into a buffer; the previous logging set-up is restored afterwards."""
    root = logging.getLogger()
    level = root.level
    made = []

    def start(fmt="json"):
        stream = io.StringIO()
        made.append(configure_logging(fmt, "INFO", stream=stream))
        return stream

    yield start
    for handler in made:
        remove_handler(handler)
    root.setLevel(level)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def operations(stream) -> list[dict]:
    return [e for e in lines(stream) if e["event"] == "graphql operation"]


async def test_one_json_line_per_operation(client, captured):
    w = await build_world()
    await client.data(
        "{ __typename }", token=w.tokens["c1_worker"]
    )  # the viewer, loaded before any operation
    stream = captured("json")
    with count_statements() as statements:
        resp = await client.post(
            "query Page { residents(first: 3) { edges { node { name unit { label } } } } }",
            token=w.tokens["c1_worker"],
            **{"X-Request-ID": "req-123"},
        )
    assert resp.status_code == 200
    [entry] = operations(stream)
    assert entry["level"] == "info" and entry["logger"] == "lastmile.request"
    assert entry["request_id"] == "req-123"
    assert entry["user_id"] == w.users["c1_worker"].id
    assert (entry["operation"], entry["operation_type"], entry["outcome"]) == ("Page", "query", "ok")
    assert entry["statements"] == len(statements) >= 1 and entry["duration_ms"] > 0
    assert entry["error_codes"] is None
    assert entry["timestamp"].endswith("Z")


async def test_client_mistakes_are_info(client, captured):
    w = await build_world()
    stream = captured("json")
    await client("query Anon { residents { totalCount } }", errors_ok=True)
    await client("query Typo { residents { nope } }", token=w.tokens["c1_worker"], errors_ok=True)
    entries = {e["operation"]: e for e in operations(stream)}
    assert entries["Anon"]["level"] == "info" and entries["Anon"]["error_codes"] == ["UNAUTHENTICATED"]
    assert entries["Anon"]["user_id"] is None
    assert entries["Typo"]["level"] == "info" and entries["Typo"]["outcome"] == "rejected"
    # Nothing of ours calls them errors (strawberry's own per-error line is the hardening work's:
    # core/api/security.py process_errors).
    ours = [e for e in lines(stream) if e["logger"].startswith("lastmile")]
    assert ours and all(e["level"] in ("info", "debug") for e in ours), ours


async def test_service_failures_are_errors_and_inner_lines_carry_the_request(client, captured, monkeypatch):
    from core.api import queries

    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(queries, "resident_where", boom)
    w = await build_world()
    stream = captured("json")
    await client.post(
        "query Burn { residents { totalCount } }", token=w.tokens["c1_worker"], **{"X-Request-ID": "req-fire"}
    )
    entries = lines(stream)
    [op] = [e for e in entries if e["event"] == "graphql operation"]
    assert op["level"] == "error" and op["error_codes"] == ["INTERNAL_SERVER_ERROR"]
    # The error's own line (logged inside the operation) names the same request and user.
    inner = [e for e in entries if e is not op and e["level"] == "error"]
    assert inner and all(
        e["request_id"] == "req-fire" and e["user_id"] == w.users["c1_worker"].id for e in inner
    )


async def test_console_format_for_development(client, captured):
    w = await build_world()
    stream = captured("console")
    await client.post("query Dev { me { username } }", token=w.tokens["c1_worker"])
    text = stream.getvalue()
    assert "graphql operation" in text and "operation=Dev" in text and "statements=" in text
    assert not text.lstrip().startswith("{")


def test_log_format_follows_the_environment():
    from core.settings import Settings

    assert Settings(_env_file=None).log_format_in_use == "console"
    assert Settings(_env_file=None, LASTMILE_ENV="production").log_format_in_use == "json"
    assert (
        Settings(_env_file=None, LASTMILE_ENV="production", LASTMILE_LOG_FORMAT="console").log_format_in_use
        == "console"
    )
