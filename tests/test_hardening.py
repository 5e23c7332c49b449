"""The endpoint against the usual GraphQL abuse: limits, production switches, CORS, GET, masking, anonymous."""

import logging

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from core import models as m
from core.auth import issue_token
from core.settings import get_settings
from core.testing import GraphQLClient, build_world

PROD_SECRET = "p" * 48


def prod_app(app_factory, **extra):
    return app_factory((), env="production", secret_key=PROD_SECRET, **extra)


def prod_token(app, user):
    return issue_token(user, app.state.runtime.settings)[0]


def _nested_units(depth: int) -> str:
    """A query `depth` levels deep: districts > subdistricts > communities > ... repeated through parent."""
    inner = "id"
    for _ in range(depth - 1):
        inner = f"parent {{ {inner} }}"
    return f"{{ districts {{ {inner} }} }}"


# ---------------------------------------------------------------- limits


async def test_query_depth_limit(core_client):
    w = await build_world()
    limit = get_settings().max_query_depth
    ok = await core_client(_nested_units(limit), token=w.tokens["super"])
    assert "errors" not in ok
    body = await core_client(_nested_units(limit + 2), token=w.tokens["super"], errors_ok=True)
    assert "data" not in body  # refused before execution
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert str(limit) in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


async def test_alias_limit(core_client):
    w = await build_world()
    limit = get_settings().max_aliases
    query = "{ " + " ".join(f"a{i}: plugins {{ name }}" for i in range(limit + 1)) + " }"
    body = await core_client(query, token=w.tokens["super"], errors_ok=True)
    assert "data" not in body
    assert "aliases found" in body["errors"][0]["message"] and str(limit) in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    query = "{ " + " ".join(f"a{i}: plugins {{ name }}" for i in range(limit)) + " }"
    assert "errors" not in await core_client(query, token=w.tokens["super"])


async def test_token_limit(core_client):
    limit = get_settings().max_tokens
    query = "{ " + " ".join("__typename" for _ in range(limit + 10)) + " }"
    body = await core_client(query, errors_ok=True)
    assert "data" not in body
    assert "token" in body["errors"][0]["message"].lower() and str(limit) in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_TOKENS"


async def test_validation_is_cached_across_requests(core_client):
    """The limit rules are built once per schema, so a repeated document is validated once."""
    from strawberry.extensions.validation_cache import _get_validate_cache

    cache = _get_validate_cache(256)
    query = "{ plugins { name version } __typename }"
    await core_client(query)
    hits = cache.cache_info().hits
    await core_client(query)
    await core_client(query)
    assert cache.cache_info().hits == hits + 2


async def test_limits_are_settings(app_factory):
    app = app_factory((), max_query_depth=3, max_aliases=2, max_tokens=40, max_batch=2, max_body_bytes=600)
    async with GraphQLClient(app) as client:
        w = await build_world()
        deep = await client(_nested_units(5), token=w.tokens["super"], errors_ok=True)
        assert "maximum operation depth of 3" in deep["errors"][0]["message"]
        aliases = await client(
            "{ a: plugins { name } b: plugins { name } c: plugins { name } }",
            token=w.tokens["super"],
            errors_ok=True,
        )
        assert "Allowed: 2" in aliases["errors"][0]["message"]
        batch = await client.http.post("/graphql", json=[{"query": "{ __typename }"}] * 3)
        assert batch.status_code == 400 and "at most 2" in batch.json()["errors"][0]["message"]
        big = await client.http.post("/graphql", json={"query": "{ __typename }", "x": "y" * 700})
        assert big.status_code == 413


async def test_batches_work_and_are_limited(core_client):
    w = await build_world()
    limit = get_settings().max_batch
    resp = await core_client.http.post(
        "/graphql",
        json=[{"query": "{ me { username } }"}, {"query": "{ residents { totalCount } }"}],
        headers={"Authorization": f"Bearer {w.tokens['c1_worker']}"},
    )
    assert resp.status_code == 200
    assert resp.json() == [
        {"data": {"me": {"username": "c1_worker"}}},
        {"data": {"residents": {"totalCount": 2}}},
    ]
    # Mutations in a batch each run in their own transaction, one after the other.
    register = (
        "mutation($n: String!, $u: ID!) { registerResident(input: {name: $n, unitId: $u}) "
        "{ resident { name } userErrors { code } } }"
    )
    resp = await core_client.http.post(
        "/graphql",
        json=[{"query": register, "variables": {"n": f"居民{i}", "u": w.gid(w.unit1)}} for i in range(3)],
        headers={"Authorization": f"Bearer {w.tokens['c1_worker']}"},
    )
    assert [r["data"]["registerResident"]["userErrors"] for r in resp.json()] == [[], [], []]
    assert await m.AuditLog.filter(action="registerResident").count() == 3
    # One operation too many: the whole batch is refused with a clear error, nothing runs.
    resp = await core_client.http.post(
        "/graphql",
        json=[{"query": register, "variables": {"n": "多余", "u": w.gid(w.unit1)}}] * (limit + 1),
        headers={"Authorization": f"Bearer {w.tokens['c1_worker']}"},
    )
    assert resp.status_code == 400
    error = resp.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert f"at most {limit}" in error["message"] and "batch" in error["message"]
    assert await m.Resident.filter(name="多余").count() == 0


async def test_body_size_limit(core_client):
    limit = get_settings().max_body_bytes
    padding = "x" * (limit + 1)
    resp = await core_client.http.post(
        "/graphql", json={"query": "{ __typename }", "extensions": {"p": padding}}
    )
    assert resp.status_code == 413
    assert resp.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert str(limit) in resp.json()["errors"][0]["message"]

    # Without a Content-Length header (chunked), the body is cut off while it streams in.
    async def chunks():
        yield b'{"query": "{ __typename }", "extensions": {"p": "'
        for _ in range(limit // 1000 + 2):
            yield b"x" * 1000
        yield b'"}}'

    resp = await core_client.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert resp.status_code == 413
    assert resp.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    # Just under the limit is fine.
    resp = await core_client.http.post("/graphql", json={"query": "{ __typename }"})
    assert resp.status_code == 200 and resp.json() == {"data": {"__typename": "Query"}}


# ---------------------------------------------------------------- production switches


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_and_suggestions_on_in_development(core_client):
    w = await build_world()
    assert (await core_client.data(INTROSPECTION))["__schema"]["queryType"]["name"] == "Query"
    body = await core_client("{ residentz { totalCount } }", token=w.tokens["super"], errors_ok=True)
    assert "Did you mean" in body["errors"][0]["message"]
    body = await core_client("{ residents(fist: 1) { totalCount } }", token=w.tokens["super"], errors_ok=True)
    assert "Did you mean 'first'" in body["errors"][0]["message"]
    resp = await core_client.http.get("/graphql", headers={"accept": "text/html"})
    assert resp.status_code == 200 and "graphiql" in resp.text.lower()


async def test_introspection_and_suggestions_off_in_production(app_factory):
    app = prod_app(app_factory)
    async with GraphQLClient(app) as client:
        w = await build_world()
        token = prod_token(app, w.users["super"])
        body = await client(INTROSPECTION, token=token, errors_ok=True)
        assert "introspection" in body["errors"][0]["message"].lower()
        assert "data" not in body or body["data"] is None
        body = await client('{ __type(name: "Resident") { name } }', token=token, errors_ok=True)
        assert body["errors"]
        body = await client("{ residentz { totalCount } }", token=token, errors_ok=True)
        assert "Cannot query field 'residentz'" in body["errors"][0]["message"]
        assert "Did you mean" not in body["errors"][0]["message"]
        # Nor for arguments, input fields, enum values, types, or values in variables.
        for query, variables, start in (
            ("{ residents(fist: 1) { totalCount } }", None, "Unknown argument 'fist'"),
            ("{ residents(filter: {statu: ACTIVE}) { totalCount } }", None, "Expected value of type"),
            ("{ residents(filter: {status: ACTIV}) { totalCount } }", None, "Value 'ACTIV' does not exist"),
            ('{ node(id: "x") { ... on Residnt { id } } }', None, "Unknown type 'Residnt'"),
            ("query($f: ResidentFiltr) { residents(filter: $f) { totalCount } }", None, "Unknown type"),
            (
                "query($f: ResidentFilter) { residents(filter: $f) { totalCount } }",
                {"f": {"status": "ACTIV"}},
                "Variable '$f' has invalid value",
            ),
        ):
            body = await client(query, variables, token=token, errors_ok=True)
            messages = [e["message"] for e in body["errors"]]
            assert messages[0].startswith(start), messages
            assert not any("Did you mean" in msg or "'ACTIVE'" in msg for msg in messages), messages
        # Ordinary work still goes through, and __typename is no introspection leak.
        assert (await client.data("{ residents { totalCount } __typename }", token=token))["residents"][
            "totalCount"
        ] == 4
        resp = await client.http.get("/graphql", headers={"accept": "text/html"})
        assert resp.status_code == 404 and "graphiql" not in resp.text.lower()


async def test_production_masks_unexpected_errors(app_factory, monkeypatch, caplog):
    from core.api import queries
    from core.services import residents

    def boom(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM core_resident WHERE id_number_cipher = 'v1:abc'")

    monkeypatch.setattr(residents, "register_resident", boom)
    monkeypatch.setattr(queries, "resident_where", boom)
    app = prod_app(app_factory)
    async with GraphQLClient(app) as client:
        w = await build_world()
        token = prod_token(app, w.users["c1_worker"])
        caplog.set_level(logging.ERROR, logger="lastmile.errors")
        for query, variables in (
            (
                'mutation($u: ID!) { registerResident(input: {name: "x", unitId: $u}) { userErrors { code } } }',
                {"u": w.gid(w.unit1)},
            ),
            ("{ residents { totalCount } }", None),
        ):
            caplog.clear()
            resp = await client.post(query, variables, token=token)
            assert (
                "SELECT" not in resp.text and "Traceback" not in resp.text and "RuntimeError" not in resp.text
            )
            error = resp.json()["errors"][0]
            assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
            error_id = error["extensions"]["errorId"]
            assert error["message"] == f"Internal error (id {error_id})."
            logged = [r for r in caplog.records if error_id in r.getMessage()]
            assert len(logged) == 1
            assert logged[0].exc_info and "SELECT secret" in str(logged[0].exc_info[1])
        # Errors meant for the client keep their message and code.
        body = await client("{ residents { totalCount } }", errors_ok=True)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        body = await client("{ residents { totalCount }", token=token, errors_ok=True)
        assert body["errors"][0]["message"].startswith("Syntax Error")

        from core.errors import Code, UserFailure

        def refuse(*args, **kwargs):
            raise UserFailure("This filter is not allowed.", Code.INVALID_INPUT)

        monkeypatch.setattr(queries, "resident_where", refuse)
        body = await client("{ residents { totalCount } }", token=token, errors_ok=True)
        assert body["errors"][0]["message"] == "This filter is not allowed."


async def test_development_shows_unexpected_errors(core_client, monkeypatch):
    from core.api import queries

    def boom(*args, **kwargs):
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(queries, "resident_where", boom)
    w = await build_world()
    body = await core_client("{ residents { totalCount } }", token=w.tokens["c1_worker"], errors_ok=True)
    assert body["errors"][0]["message"] == "resolver exploded"


# ---------------------------------------------------------------- GET, CORS


async def test_mutations_refused_over_get(core_client):
    w = await build_world()
    resp = await core_client.http.get(
        "/graphql",
        params={"query": "{ residents { totalCount } }"},
        headers={"Authorization": f"Bearer {w.tokens['c1_worker']}"},
    )
    assert resp.status_code == 200 and resp.json()["data"]["residents"]["totalCount"] == 2
    mutation = (
        'mutation { createOrganization(input: {name: "GET 公司", kind: ENTERPRISE}) { userErrors { code } } }'
    )
    resp = await core_client.http.get(
        "/graphql", params={"query": mutation}, headers={"Authorization": f"Bearer {w.tokens['super']}"}
    )
    assert resp.status_code == 405 and resp.headers["allow"] == "POST"
    error = resp.json()["errors"][0]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED" and "POST" in error["message"]
    assert await m.Organization.filter(name="GET 公司").count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "[1]",
        "[]",
        '[{"query": 5}]',
        '"x"',
        "5",
        "null",
        "[null]",
        '[{"query": "{ __typename }", "variables": "x"}]',
        '{"query": ["x"]}',
        "{nope",
    ],
)
async def test_malformed_bodies_are_clear_400s(core_client, body):
    resp = await core_client.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 400, resp.text
    error = resp.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and error["message"]


async def test_non_json_bodies_are_refused(core_client):
    resp = await core_client.http.post(
        "/graphql", content="{ __typename }", headers={"content-type": "text/plain"}
    )
    assert resp.status_code == 415
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_cors_allowlist(app_factory):
    app = app_factory((), cors_origins="https://app.lastmile.example, https://admin.lastmile.example")
    async with GraphQLClient(app) as client:
        allowed, other = "https://admin.lastmile.example", "https://evil.example"
        pre = await client.http.options(
            "/graphql",
            headers={
                "Origin": allowed,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == allowed
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
        pre = await client.http.options(
            "/graphql", headers={"Origin": other, "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in pre.headers
        resp = await client.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": allowed}
        )
        assert resp.headers["access-control-allow-origin"] == allowed
        resp = await client.http.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": other})
        assert "access-control-allow-origin" not in resp.headers
        # Even a refusal can be read by an allowed front-end.
        resp = await client.http.post(
            "/graphql",
            content=b"x" * (get_settings().max_body_bytes + 1),
            headers={"Origin": allowed, "content-type": "application/json"},
        )
        assert resp.status_code == 413 and resp.headers["access-control-allow-origin"] == allowed


async def test_no_cors_headers_without_allowlist(core_client):
    resp = await core_client.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://app.lastmile.example"}
    )
    assert "access-control-allow-origin" not in resp.headers


# ---------------------------------------------------------------- anonymous requests


def _sample(gtype):
    """A value of an input type that coerces (the gate refuses before any resolver sees it)."""
    if isinstance(gtype, GraphQLNonNull):
        return _sample(gtype.of_type)
    if isinstance(gtype, GraphQLList):
        return [_sample(gtype.of_type)]
    if isinstance(gtype, GraphQLEnumType):
        return next(iter(gtype.values))
    if isinstance(gtype, GraphQLInputObjectType):
        return {
            name: _sample(f.type) for name, f in gtype.fields.items() if isinstance(f.type, GraphQLNonNull)
        }
    assert isinstance(gtype, GraphQLScalarType)
    return {
        "Int": 1,
        "Float": 1.0,
        "Boolean": True,
        "Date": "2020-01-01",
        "DateTime": "2020-01-01T00:00:00Z",
        "JSON": {},
    }.get(gtype.name, "x")


def _operations(schema, root: str):
    """One valid operation per root field, with every argument (required or not) given."""
    root_type = schema.mutation_type if root == "mutation" else schema.query_type
    for name, field in root_type.fields.items():
        if name.startswith("__"):
            continue
        var_defs, args, variables = [], [], {}
        for arg_name, arg in field.args.items():
            var_defs.append(f"${arg_name}: {arg.type}")
            args.append(f"{arg_name}: ${arg_name}")
            variables[arg_name] = _sample(arg.type)
        named = get_named_type(field.type)
        selection = " { __typename }" if not isinstance(named, GraphQLScalarType | GraphQLEnumType) else ""
        if isinstance(named, GraphQLObjectType) or selection:
            selection = " { __typename }"
        header = f"{root} Op({', '.join(var_defs)})" if var_defs else f"{root} Op"
        call = f"{name}({', '.join(args)})" if args else name
        yield name, f"{header} {{ {call}{selection} }}", variables


async def test_anonymous_sees_only_login_plugins_and_me(app_factory):
    app = app_factory(None)  # every enabled plugin's fields are gated too
    schema = app.state.runtime.schema._schema
    open_fields = {"login", "plugins", "me"}
    async with GraphQLClient(app) as client:
        checked = 0
        for root in ("query", "mutation"):
            for name, query, variables in _operations(schema, root):
                body = await client(query, variables, errors_ok=True)
                if name in open_fields:
                    assert "data" in body and body["data"] is not None, (name, body)
                    continue
                assert "data" not in body, (name, body)
                errors = body["errors"]
                assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"], (name, body)
                assert name in errors[0]["message"]
                checked += 1
        assert checked >= 25
    assert (await client_data(app, "{ me { username } plugins { name } __typename }"))["me"] is None


async def client_data(app, query, variables=None):
    async with GraphQLClient(app) as client:
        return await client.data(query, variables)


async def test_anonymous_cannot_smuggle_fields(core_client):
    await build_world()
    for query, op in (
        ("query { ...F } fragment F on Query { residents { totalCount } }", None),
        ('query { ... on Query { node(id: "UmVzaWRlbnQ6MQ==") { id } } }', None),
        ("query A { plugins { name } } query B { residents { totalCount } }", "B"),
        ("{ __typename plugins { name } r: residents { totalCount } }", None),
    ):
        resp = await core_client.http.post("/graphql", json={"query": query, "operationName": op})
        body = resp.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", (query, body)
        assert "data" not in body
    resp = await core_client.http.post(
        "/graphql",
        json={
            "query": "query A { plugins { name } } query B { residents { totalCount } }",
            "operationName": "A",
        },
    )
    assert resp.json() == {"data": {"plugins": []}}


async def test_anonymous_refusal_status_with_graphql_response_media_type(core_client):
    resp = await core_client.http.post(
        "/graphql",
        json={"query": "{ residents { totalCount } }"},
        headers={"accept": "application/graphql-response+json"},
    )
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/graphql-response+json")
    resp = await core_client.http.post("/graphql", json={"query": "{ residents { totalCount } }"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")


async def test_field_errors_keep_data(core_client):
    """A field error is no request error: the response keeps "data" (and 200)."""
    w = await build_world()
    too_many = ["x"] * (get_settings().max_page_size + 1)
    resp = await core_client.http.post(
        "/graphql",
        json={
            "query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } plugins { name } }",
            "variables": {"ids": too_many},
        },
        headers={
            "Authorization": f"Bearer {w.tokens['super']}",
            "accept": "application/graphql-response+json",
        },
    )
    body = resp.json()
    # nodes is non-null, so its error nulls the whole data: still a field error, with a path.
    assert resp.status_code == 200 and "data" in body and body["data"] is None
    assert body["errors"][0]["path"] == ["nodes"]


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer a.b.c"])
async def test_malformed_authorization_headers(core_client, header):
    resp = await core_client.http.post(
        "/graphql", json={"query": "{ residents { totalCount } }"}, headers={"Authorization": header}
    )
    assert resp.status_code == 200
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
