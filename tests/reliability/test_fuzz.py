"""Fuzzing from the served schema (issue 10, item 9): queries and mutations that hypothesis-graphql
generates from the SDL this app serves, valid ones and ones with a schema violation, sent by an
anonymous caller and by signed-in staff, against production settings; plus arbitrary bodies.
Every answer is JSON below 500 and every error carries an ``extensions.code``.

Bounded: LASTMILE_FUZZ_EXAMPLES examples per group (default 120)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from core.auth import issue_token
from core.testing import TEST_PLUGINS, build_world

EXAMPLES = int(os.environ.get("LASTMILE_FUZZ_EXAMPLES", "120"))
PROD_SECRET = "z" * 48

SCALARS = {
    "Date": st.one_of(
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)).map(nodes.String),
        st.text(max_size=12).map(nodes.String),
    ),
    "DateTime": st.one_of(
        st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: nodes.String(d.isoformat())),
        st.text(max_size=12).map(nodes.String),
    ),
}


def _documents(sdl: str):
    return st.one_of(
        queries(sdl, custom_scalars=SCALARS, mode=Mode.POSITIVE),
        queries(sdl, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
        mutations(sdl, custom_scalars=SCALARS, mode=Mode.POSITIVE),
        mutations(sdl, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_BODIES = st.one_of(
    st.binary(max_size=300),
    _json.map(lambda v: json.dumps(v).encode()),  # stdlib: big integers and NaN too, which orjson refuses
    st.fixed_dictionaries(
        {"query": st.text(max_size=200)},
        optional={"variables": _json, "operationName": _json, "extensions": _json},
    ).map(lambda v: json.dumps(v).encode()),
)


class Findings:
    def __init__(self):
        self.sent = 0
        self.internal: list[tuple[str, dict]] = []


def _check(resp: httpx.Response, request: object, findings: Findings) -> None:
    findings.sent += 1
    assert resp.status_code < 500 or resp.status_code == 503, (resp.status_code, resp.text[:500], request)
    assert resp.headers.get("content-type", "").startswith(
        ("application/json", "application/graphql-response+json")
    ), (resp.headers, resp.text[:300], request)
    body = resp.json()
    results = body if isinstance(body, list) else [body]
    for result in results:
        for error in result.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code, (error, request)
            if code == "INTERNAL_SERVER_ERROR":
                findings.internal.append((str(request)[:300], error))


def _run_in_thread(loop, fuzz) -> None:
    """hypothesis drives a sync function; the requests run on the test's loop (its DB connections)."""
    return loop.run_in_executor(None, fuzz)


@pytest.fixture
async def prod_http(app_factory):
    app = app_factory(TEST_PLUGINS, env="production", secret_key=PROD_SECRET)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", timeout=30
    ) as http:
        yield app, http


async def test_fuzzed_documents_from_the_served_schema_get_coded_json_answers(app_factory, prod_http):
    app, http = prod_http
    w = await build_world()
    # The production app hides introspection: fuzz from the SDL the development build serves.
    sdl = app_factory(TEST_PLUGINS).state.runtime.schema.as_str()
    prod = app.state.runtime.settings
    tokens = [None] + [
        issue_token(w.users[n], prod)[0] for n in ("super", "c1_worker", "c1_grid", "resident")
    ]
    loop = asyncio.get_running_loop()
    findings = Findings()

    async def send(document: str, token: str | None):
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await http.post("/graphql", json={"query": document}, headers=headers)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(document=_documents(sdl), who=st.sampled_from(range(len(tokens))))
    def fuzz(document, who):
        resp = asyncio.run_coroutine_threadsafe(send(document, tokens[who]), loop).result(60)
        _check(resp, document, findings)

    await _run_in_thread(loop, fuzz)
    assert findings.sent >= EXAMPLES
    assert not findings.internal, findings.internal[:5]


async def test_fuzzed_bodies_get_coded_json_answers(prod_http):
    _, http = prod_http
    loop = asyncio.get_running_loop()
    findings = Findings()

    async def send(body: bytes, ctype: str):
        return await http.post("/graphql", content=body, headers={"content-type": ctype})

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        body=_BODIES,
        ctype=st.sampled_from(
            [
                "application/json",
                "application/json; charset=latin-1",
                "text/plain",
                "application/graphql-response+json",
            ]
        ),
    )
    def fuzz(body, ctype):
        resp = asyncio.run_coroutine_threadsafe(send(body, ctype), loop).result(60)
        _check(resp, body, findings)

    await _run_in_thread(loop, fuzz)
    assert findings.sent >= EXAMPLES
    assert not findings.internal, findings.internal[:5]
