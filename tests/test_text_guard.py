"""Text no database can store (NUL, unpaired surrogates) is INVALID_INPUT where it is read, on both databases."""

import json

from core import models as m
from core.testing import build_world

REGISTER = """mutation($input: RegisterResidentInput!) { registerResident(input: $input) { resident { id } userErrors { code field } } }"""


async def test_nul_in_a_mutation_input_is_a_user_error_on_its_field(client):
    w = await build_world()
    before = await m.Resident.all().count()
    data = await client.data(
        REGISTER, {"input": {"name": "a\u0000b", "unitId": w.gid(w.unit1)}}, w.tokens["c1_worker"]
    )
    assert data["registerResident"]["userErrors"] == [{"code": "INVALID_INPUT", "field": ["input", "name"]}]
    data = await client.data(
        REGISTER,
        {"input": {"name": "赵", "unitId": w.gid(w.unit1), "tags": ["ok", "b\u0000"]}},
        w.tokens["c1_worker"],
    )
    assert data["registerResident"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": ["input", "tags", "1"]}
    ]
    assert await m.Resident.all().count() == before


async def test_nul_in_a_search_is_invalid_input(client):
    w = await build_world()
    body = await client(
        '{ residents(filter: {search: "a\\u0000"}) { totalCount } }', token=w.tokens["super"], errors_ok=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    body = await client(
        '{ areas(search: "a\\u0000") { totalCount } }', token=w.tokens["super"], errors_ok=True
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_lone_surrogate_in_raw_json_is_invalid_input(client):
    w = await build_world()
    raw = '{"query": "query($s: String) { residents(filter: {search: $s}) { totalCount } }", "variables": {"s": "\\ud800"}}'
    json.loads(raw)  # valid JSON, not storable text
    resp = await client.http.post(
        "/graphql",
        content=raw.encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {w.tokens['super']}"},
    )
    assert resp.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    login = '{"query": "mutation($u: String!) { login(username: $u, password: \\"x\\") { token userErrors { code } } }", "variables": {"u": "\\ud800"}}'
    resp = await client.http.post(
        "/graphql", content=login.encode(), headers={"content-type": "application/json"}
    )
    assert resp.json()["data"]["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_ordinary_chinese_text_passes(client):
    w = await build_world()
    data = await client.data('{ residents(filter: {search: "张"}) { totalCount } }', token=w.tokens["super"])
    assert data["residents"]["totalCount"] == 1
