"""Persisted queries as Apollo Client's PersistedQueryLink sends them, and trusted documents."""

import hashlib
import json
import os
import uuid

import pytest

from core.testing import GraphQLClient, build_test_app, build_world

QUERY = "query Me { me { username } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
REDIS_URL = os.environ.get("LASTMILE_TEST_REDIS_URL")


def apq(sha=HASH, version=1):
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


async def post(client, token, query=None, extensions=None, operation="Me"):
    body = {"operationName": operation, "variables": {}, "extensions": extensions or {}}
    if query is not None:
        body["query"] = query
    resp = await client.http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    return resp.json()


def code_of(body):
    assert body.get("errors"), body
    assert "data" not in body  # nothing ran: a request error
    return body["errors"][0]["extensions"]["code"]


async def test_apq_hash_then_query_then_hash(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    first = await post(client, tok, extensions=apq())
    assert first["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code_of(first) == "PERSISTED_QUERY_NOT_FOUND"
    retried = await post(client, tok, QUERY, apq())
    assert retried == {"data": {"me": {"username": "c1_worker"}}}
    again = await post(client, tok, extensions=apq())
    assert again == {"data": {"me": {"username": "c1_worker"}}}
    # GET with the hash alone, as Apollo sends with useGETForHashedQueries (cacheable URLs).
    resp = await client.http.get(
        "/graphql",
        params={"operationName": "Me", "extensions": json.dumps(apq())},
        headers={"Authorization": f"Bearer {tok}", "Accept": "application/json"},
    )
    assert resp.status_code == 200 and resp.json() == {"data": {"me": {"username": "c1_worker"}}}


async def test_apq_checks_hashes_and_versions(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    other = hashlib.sha256(b"query { __typename }").hexdigest()
    assert code_of(await post(client, tok, QUERY, apq(other))) == "PERSISTED_QUERY_HASH_MISMATCH"
    # The refused pair was not remembered under either hash.
    assert code_of(await post(client, tok, extensions=apq(other))) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(await post(client, tok, QUERY, apq(version=2))) == "BAD_REQUEST"
    assert code_of(await post(client, tok, extensions={"persistedQuery": {"version": 1}})) == "BAD_REQUEST"
    assert code_of(await post(client, tok, extensions=apq("not-a-hash"))) == "PERSISTED_QUERY_NOT_FOUND"


async def test_apq_in_a_batch(client):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    await post(client, tok, QUERY, apq())
    resp = await client.http.post(
        "/graphql",
        headers={"Authorization": f"Bearer {tok}"},
        json=[
            {"operationName": "Me", "extensions": apq()},
            {"query": "{ __typename }"},
        ],
    )
    assert resp.json() == [{"data": {"me": {"username": "c1_worker"}}}, {"data": {"__typename": "Query"}}]


async def test_apq_can_be_turned_off(app_factory):
    async with GraphQLClient(app_factory((), apq_enabled=False)) as client:
        body = await post(client, "", QUERY, apq())
        assert body["errors"][0]["message"] == "PersistedQueryNotSupported"
        assert code_of(body) == "PERSISTED_QUERY_NOT_SUPPORTED"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    path = tmp_path_factory.mktemp("pq") / "persisted-query-manifest.json"
    path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": HASH, "name": "Me", "type": "query", "body": QUERY}],
            }
        ),
        encoding="utf-8",
    )
    return str(path)


async def test_trusted_documents_only(app_factory, manifest):
    w = await build_world()
    tok = w.tokens["c1_worker"]
    async with GraphQLClient(app_factory((), trusted_documents=manifest)) as client:
        assert await post(client, tok, extensions=apq()) == {"data": {"me": {"username": "c1_worker"}}}
        # The listed document sent as text is the same operation.
        assert await post(client, tok, QUERY) == {"data": {"me": {"username": "c1_worker"}}}
        assert (
            code_of(await post(client, tok, "query Me { me { username displayName } }"))
            == "PERSISTED_QUERY_NOT_IN_LIST"
        )
        # Registering through APQ is not a way in.
        other = "query Me { me { username isActive } }"
        sha = hashlib.sha256(other.encode()).hexdigest()
        assert code_of(await post(client, tok, other, apq(sha))) == "PERSISTED_QUERY_NOT_IN_LIST"
        assert code_of(await post(client, tok, extensions=apq(sha))) == "PERSISTED_QUERY_NOT_IN_LIST"


def test_unreadable_manifest_stops_the_start(app_factory, tmp_path):
    from core.api.persisted import TrustedDocumentsError

    empty = tmp_path / "empty.json"
    empty.write_text("{}", encoding="utf-8")
    for path in (str(tmp_path / "missing.json"), str(empty)):
        with pytest.raises(TrustedDocumentsError):
            app_factory((), trusted_documents=path)


@pytest.mark.skipif(not REDIS_URL, reason="needs LASTMILE_TEST_REDIS_URL")
async def test_apq_store_in_redis_is_shared_by_processes():
    """Two apps (as two server processes) with one Redis: a document registered with one runs on the other."""
    w = await build_world()
    tok = w.tokens["c1_worker"]
    query = f"query Me {{ me {{ username }} __typename }} # {uuid.uuid4().hex}"  # fresh hash every run
    sha = hashlib.sha256(query.encode()).hexdigest()
    one, two = build_test_app([], redis_url=REDIS_URL), build_test_app([], redis_url=REDIS_URL)
    async with GraphQLClient(one) as a, GraphQLClient(two) as b:
        assert code_of(await post(b, tok, extensions=apq(sha))) == "PERSISTED_QUERY_NOT_FOUND"
        assert (await post(a, tok, query, apq(sha)))["data"]["me"] == {"username": "c1_worker"}
        assert (await post(b, tok, extensions=apq(sha)))["data"]["me"] == {"username": "c1_worker"}
