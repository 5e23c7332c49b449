"""The compiled read path honours the second line of defence (core.api.budget).

Rows the one compiled statement returns count against the request's resolved-object
cap, as the loaders' rows do, and the statement runs inside the operation deadline:
past either, the request stops with TOO_MANY_OBJECTS / TIMEOUT and no data, and the
resolvers never run the operation a second time.
"""

from __future__ import annotations

import asyncio

from tortoise.connection import connections

from core.compiler import extension
from core.enums import HouseholdRelation
from core.testing import GraphQLClient, build_world, count_statements, make_resident

PAGE = "{ residents(first: 6) { edges { node { name unit { label } } } } }"


def refusal(body: dict) -> dict:
    assert body.get("data") is None, body
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


def compiled_report(body: dict) -> dict:
    return (body.get("extensions") or {}).get("compiled") or {}


async def test_compiled_rows_count_against_the_object_cap(app_factory):
    # A page of 6 with its units: 1 connection + 6 edges + 6 residents + 6 units = 19 objects.
    roomy = app_factory((), compile_debug=True, max_resolved_objects=19)
    tight = app_factory((), compile_debug=True, max_resolved_objects=18)
    w = await build_world()
    for i in range(6):
        await make_resident(w.unit1, f"居民{i}", HouseholdRelation.CHILD)
    token = w.tokens["district_admin"]
    async with GraphQLClient(roomy) as client:
        body = await client(PAGE, token=token)
        assert len(body["data"]["residents"]["edges"]) == 6
        assert compiled_report(body)["fields"] == ["residents"] and compiled_report(body)["fallbacks"] == []
    async with GraphQLClient(tight) as client:
        await client(PAGE, token=token, errors_ok=True)  # warm the viewer cache
        with count_statements() as statements:
            body = await client(PAGE, token=token, errors_ok=True)
        assert refusal(body)["extensions"] == {"code": "TOO_MANY_OBJECTS", "limit": 18}
        # Stopped after the compiled statement: no resolver read the rows again.
        reads = [s for s in statements if "lm_json" in s]
        assert len(reads) == 1 and len(statements) <= 3, statements


async def test_compiled_reads_share_the_request_tally_of_a_batch(app_factory):
    app = app_factory((), max_resolved_objects=30)
    query = {"query": PAGE}
    w = await build_world()
    for i in range(6):
        await make_resident(w.unit1, f"居民{i}", HouseholdRelation.CHILD)
    async with GraphQLClient(app) as client:
        headers = {"Authorization": f"Bearer {w.tokens['district_admin']}"}
        first, second = (await client.http.post("/graphql", json=[query, query], headers=headers)).json()
        assert len(first["data"]["residents"]["edges"]) == 6
        assert refusal(second)["extensions"]["code"] == "TOO_MANY_OBJECTS"


async def test_the_compiled_statement_runs_inside_the_deadline(app_factory, monkeypatch, on_postgres):
    started, cancelled = asyncio.Event(), asyncio.Event()
    real = extension.run_raw

    async def slow(conn, sql, values):
        started.set()
        try:
            if on_postgres:  # slow SQL: the statement itself must stop on the server
                await connections.get("default").execute_query("SELECT pg_sleep(60)")
            else:
                await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return await real(conn, sql, values)

    monkeypatch.setattr(extension, "run_raw", slow)
    app = app_factory((), operation_timeout_seconds=0.3)
    w = await build_world()
    async with GraphQLClient(app) as client:
        body = await client(PAGE, token=w.tokens["c1_worker"], errors_ok=True)
        assert refusal(body)["extensions"]["code"] == "TIMEOUT"
        assert started.is_set() and cancelled.is_set()
        monkeypatch.undo()
        # The server (and its connection) is fine afterwards, still compiling.
        assert (await client.data(PAGE, token=w.tokens["c1_worker"]))["residents"]["edges"]
