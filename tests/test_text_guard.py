"""Text no database can store is refused up front with INVALID_INPUT, on both databases."""

import json

from core import models as m
from tests.support import build_world


async def test_nul_in_a_variable_is_invalid_input(client):
    w = await build_world()
    q = """mutation($input: RegisterResidentInput!) { registerResident(input: $input) { resident { id } userErrors { code } } }"""
    body = await client(q, {"input": {"name": "a\u0000b", "unitId": w.gid(w.unit1)}}, w.tokens["c1_worker"],
                        errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert await m.Resident.filter(name__startswith="a").count() == 0


async def test_nul_in_a_query_literal_is_invalid_input(client):
    w = await build_world()
    body = await client('{ residents(filter: {search: "a\\u0000"}) { totalCount } }', token=w.tokens["super"],
                        errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_lone_surrogate_in_raw_json_is_invalid_input(client):
    w = await build_world()
    raw = '{"query": "query($s: String) { residents(filter: {search: $s}) { totalCount } }", "variables": {"s": "\\ud800"}}'
    json.loads(raw)  # valid JSON, not valid text
    resp = await client.http.post("/graphql", content=raw.encode(), headers={
        "content-type": "application/json", "authorization": f"Bearer {w.tokens['super']}"})
    body = resp.json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_ordinary_chinese_text_passes(client):
    w = await build_world()
    data = await client.data('{ residents(filter: {search: "张"}) { totalCount } }', token=w.tokens["super"])
    assert data["residents"]["totalCount"] == 1
