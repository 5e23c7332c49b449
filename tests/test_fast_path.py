"""The fast path (core/compiler/fast.py) answers exactly as the normal path does.

Differential: every query of a corpus, for several viewers, is answered by the normal path
(strawberry's pipeline) and then by the fast path, from the same cached plan; the two must
give the same status, headers and bytes, the same SQL statements, the same operation log line
and the same metrics. Then each guarantee of the normal path on the fast path: the object cap,
the deadline, a disconnected client, audited personal data (never fast), anonymous and
refused tokens, persisted queries, CORS.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
import pytest

from core import metrics
from core.compiler import execute, extension
from core.models import AuditLog
from core.testing import GraphQLClient, build_world, count_statements

RESIDENT = "query R($id: ID!) { node(id: $id) { ... on Resident { id name idNumberMasked phoneMasked unit { label } } } }"
CORPUS = [
    (RESIDENT, "zhang"),
    ("{ residents(first: 3) { edges { node { id name unit { label building { name } } } } } }", None),
    ('query Named { residents(first: 2, filter: {search: "张"}) { edges { node { id name } } } }', None),
    (
        "{ a: residents(first: 1) { edges { node { name } } } b: residents(first: 2) { edges { cursor } } }",
        None,
    ),
    ("query R($id: ID!) { node(id: $id) { id ... on Resident { name unit { label } } } }", "wang"),
]
VIEWERS = ["super", "district_admin", "c1_grid", "resident"]
REQUEST_ID = "fast-path-test-1"


def _fast(app):
    return app.state.graphql_view.fast


def _samples() -> dict:
    out = {}
    for family in (metrics.OPERATIONS, metrics.STATEMENTS, metrics.ERRORS, metrics.LATENCY):
        for metric in family.collect():
            for s in metric.samples:
                # Durations differ between two runs; how many were observed does not.
                if (family is metrics.LATENCY and not s.name.endswith("_count")) or s.name.endswith(
                    "_created"
                ):
                    continue  # and when a label set first appeared
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _delta(before: dict, after: dict) -> dict:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(
            {
                k: getattr(record, k, None)
                for k in (
                    "request_id",
                    "user_id",
                    "operation",
                    "operation_type",
                    "outcome",
                    "statements",
                    "error_codes",
                )
            }
            | {
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage() if record.name != "lastmile.request" else "graphql operation",
            }
        )


async def _observed(client, body: dict, token: str | None, **headers):
    hdrs = {"x-request-id": REQUEST_ID, **headers}
    if token:
        hdrs["authorization"] = f"Bearer {token}"
    handler = _Lines()
    loggers = [logging.getLogger(n) for n in ("lastmile.request", "lastmile.client", "lastmile.errors")]
    for lg in loggers:
        lg.addHandler(handler)
    old = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    before = _samples()
    try:
        with count_statements() as sql:
            resp = await client.http.post(
                "/graphql", content=orjson.dumps(body), headers={"content-type": "application/json", **hdrs}
            )
    finally:
        for lg, level in zip(loggers, old, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
    headers_seen = sorted((k, v) for k, v in resp.headers.items())
    return {
        "status": resp.status_code,
        "headers": headers_seen,
        "body": resp.content,
        "sql": list(sql),
        "logs": handler.lines,
        "metrics": _delta(before, _samples()),
    }


async def _both(app, client, body, token, **headers):
    """(normal, fast): the same request through each path, the plan already cached."""
    fast = _fast(app)
    fast.enabled = False
    try:
        normal = await _observed(client, body, token, **headers)
    finally:
        fast.enabled = True
    hits = fast.answered
    quick = await _observed(client, body, token, **headers)
    return normal, quick, fast.answered - hits


@pytest.fixture
async def world():
    return await build_world()


async def test_the_fast_path_answers_byte_for_byte_as_the_normal_path(app_factory, world):
    app = app_factory(())
    async with GraphQLClient(app) as client:
        for viewer in VIEWERS:
            token = world.tokens[viewer]
            for query, who in CORPUS:
                variables = {"id": world.gid(world.residents[who])} if who else {}
                body = {"query": query, "variables": variables}
                await _observed(client, body, token)  # the normal path plans it
                normal, quick, hits = await _both(app, client, body, token)
                assert hits == 1, (viewer, query)
                assert quick == normal, (viewer, query)
                assert normal["status"] == 200 and len(normal["sql"]) == 1, normal
                # With the graphql-response media type too.
                normal, quick, hits = await _both(
                    app, client, body, token, accept="application/graphql-response+json"
                )
                assert hits == 1 and quick == normal


async def test_a_viewer_sees_only_their_scope_on_the_fast_path(app_factory, world):
    app = app_factory(())
    query = "{ residents(first: 50) { edges { node { name } } } }"
    hits = _fast(app).answered
    async with GraphQLClient(app) as client:
        answers = {}
        for viewer in VIEWERS:
            for _ in range(2):  # the second answer is the fast path's
                resp = await client.post(query, token=world.tokens[viewer])
            answers[viewer] = sorted(e["node"]["name"] for e in resp.json()["data"]["residents"]["edges"])
        assert _fast(app).answered - hits == len(VIEWERS)
    assert answers["resident"] != answers["super"]
    assert set(answers["resident"]) < set(answers["super"])


async def test_over_the_object_cap_the_fast_path_refuses_alike(app_factory, world):
    # A page of 3 with units: 1 connection + 3 edges + 3 residents + 3 units = 10 objects.
    app = app_factory((), max_resolved_objects=9)
    body = {"query": "{ residents(first: 3) { edges { node { name unit { label } } } } }"}
    async with GraphQLClient(app) as client:
        first = await _observed(client, body, world.tokens["super"])
        assert b"TOO_MANY_OBJECTS" in first["body"]
        normal, quick, hits = await _both(app, client, body, world.tokens["super"])
        assert hits == 1 and quick == normal
        assert orjson.loads(quick["body"])["errors"][0]["extensions"]["code"] == "TOO_MANY_OBJECTS"
        assert len(quick["sql"]) == 1 and "data" not in orjson.loads(quick["body"])


async def test_past_the_deadline_the_fast_path_stops_alike(app_factory, world, monkeypatch):
    app = app_factory((), operation_timeout_seconds=0.2)
    body = {"query": RESIDENT, "variables": {"id": world.gid(world.residents["zhang"])}}
    token = world.tokens["super"]
    async with GraphQLClient(app) as client:
        await _observed(client, body, token)
        real = execute.run_raw

        async def slow(conn, sql, values):
            await asyncio.sleep(1)
            return await real(conn, sql, values)

        monkeypatch.setattr(execute, "run_raw", slow)
        monkeypatch.setattr(extension, "run_raw", slow)
        normal, quick, hits = await _both(app, client, body, token)
    assert hits == 1 and quick == normal
    assert orjson.loads(quick["body"])["errors"][0]["extensions"]["code"] == "TIMEOUT"


async def test_a_disconnected_client_cancels_the_fast_path(app_factory, world, monkeypatch):
    app = app_factory(())
    token = world.tokens["super"]
    async with GraphQLClient(app) as client:
        await client.post(RESIDENT, {"id": world.gid(world.residents["zhang"])}, token)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck(conn, sql, values):
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    monkeypatch.setattr(execute, "run_raw", stuck)
    body = orjson.dumps({"query": RESIDENT, "variables": {"id": world.gid(world.residents["zhang"])}})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    gone, delivered, sent = asyncio.Event(), [], []

    async def receive():
        if not delivered:
            delivered.append(True)
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    call = asyncio.ensure_future(app(scope, receive, send))
    await asyncio.wait_for(started.wait(), 10)
    gone.set()
    await asyncio.wait_for(call, 10)
    assert cancelled.is_set() and sent == []


async def test_full_personal_data_never_takes_the_fast_path_and_is_audited_each_time(app_factory, world):
    app = app_factory(())
    query = "query R($id: ID!) { node(id: $id) { ... on Resident { name idNumber } } }"
    variables = {"id": world.gid(world.residents["zhang"])}
    hits = _fast(app).answered
    async with GraphQLClient(app) as client:
        for _ in range(3):
            body = await client(query, variables, world.tokens["super"])
            assert body["data"]["node"]["idNumber"]
    assert _fast(app).answered == hits
    assert await AuditLog.filter(action="pii.read").count() == 3


async def test_anonymous_and_refused_tokens_take_the_normal_path(app_factory, world):
    app = app_factory(())
    body = {"query": RESIDENT, "variables": {"id": world.gid(world.residents["zhang"])}}
    async with GraphQLClient(app) as client:
        await _observed(client, body, world.tokens["super"])
        hits = _fast(app).answered
        anonymous = await _observed(client, body, None)
        refused = await _observed(client, body, "not-a-token")
    assert _fast(app).answered == hits
    for answer in (anonymous, refused):
        assert orjson.loads(answer["body"])["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_persisted_queries_and_trusted_documents_keep_their_rules(app_factory, world, tmp_path):
    from core.api.persisted import sha256_of

    token = world.tokens["super"]
    app = app_factory(())
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_of(RESIDENT)}}
    variables = {"id": world.gid(world.residents["zhang"])}
    hits = _fast(app).answered
    async with GraphQLClient(app) as client:
        for _ in range(2):
            resp = await client.http.post(
                "/graphql",
                json={"query": RESIDENT, "variables": variables, "extensions": ext},
                headers={"authorization": f"Bearer {token}"},
            )
            assert resp.json()["data"]["node"]["name"]
    assert _fast(app).answered == hits  # extensions: the normal path, which checks the hash
    manifest = tmp_path / "trusted.json"
    manifest.write_text(orjson.dumps({"abc": "{ residents(first: 1) { edges { node { name } } } }"}).decode())
    trusted = app_factory((), trusted_documents=str(manifest))
    async with GraphQLClient(trusted) as client:
        for _ in range(2):
            resp = await client.post(RESIDENT, variables, token)
            assert resp.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert _fast(trusted).answered == 0


async def test_cors_headers_on_the_fast_path(app_factory, world):
    app = app_factory((), cors_origins="https://front.example")
    body = {"query": RESIDENT, "variables": {"id": world.gid(world.residents["zhang"])}}
    async with GraphQLClient(app) as client:
        await _observed(client, body, world.tokens["super"], origin="https://front.example")
        normal, quick, hits = await _both(
            app, client, body, world.tokens["super"], origin="https://front.example"
        )
    assert hits == 1 and quick == normal
    assert ("access-control-allow-origin", "https://front.example") in quick["headers"]
    assert ("access-control-expose-headers", "x-request-id") in quick["headers"]


async def test_lastmile_fast_reads_false_keeps_every_request_on_the_normal_path(app_factory, world):
    app = app_factory((), fast_reads=False)
    async with GraphQLClient(app) as client:
        for _ in range(3):
            await client(RESIDENT, {"id": world.gid(world.residents["zhang"])}, world.tokens["super"])
    assert _fast(app).answered == 0
