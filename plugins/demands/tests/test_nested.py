"""Nested lists cost a fixed number of SQL statements, however many demands a page holds."""

from __future__ import annotations

from core.api.relay import gid_of
from core.testing import count_statements
from plugins.demands.tests.helpers import DEMAND_FIELDS, answer, demands_world, dispatch, ok, submit

PAGE = f"query {{ demands(first: 50) {{ totalCount edges {{ node {{ {DEMAND_FIELDS} }} }} }} }}"
ORG = """query($id: ID!) { node(id: $id) { ... on Organization { name liaisons { username }
  demandAssignments(first: 50) { status demand { ledgerNumber } organization { name } } } } }"""
RESIDENTS = """query { residents(first: 10) { edges { node { name demands(first: 10) { totalCount
  edges { node { ledgerNumber assignments { status } } } } } } } }"""


async def _add(client, w, n: int) -> None:
    for i in range(n):
        demand = ok(
            await dispatch(client, w, ok(await submit(client, w, title=f"d{i}"))["id"], "property", "power")
        )
        ok(await answer(client, w, demand, "property"), "assignment")


async def _cost(client, query: str, token: str, variables=None) -> int:
    with count_statements() as sql:
        await client.data(query, variables, token)
    return len(sql)


async def test_a_page_of_demands_with_everything_nested(client):
    w = await demands_world()
    await _add(client, w, 2)
    await client.data(PAGE, None, w.tokens["c1_worker"])
    few = await _cost(client, PAGE, w.tokens["c1_worker"])
    await _add(client, w, 6)
    many = await _cost(client, PAGE, w.tokens["c1_worker"])
    assert many == few <= 16


async def test_organization_assignments_and_resident_demands(client):
    w = await demands_world()
    await _add(client, w, 2)
    org = gid_of(w.orgs["property"])
    await client.data(
        ORG, {"id": org}, w.tokens["super"]
    )  # warm: the viewer is cached after its first request
    few = await _cost(client, ORG, w.tokens["super"], {"id": org})
    few_residents = await _cost(client, RESIDENTS, w.tokens["super"])
    await _add(client, w, 5)
    data = (await client.data(ORG, {"id": org}, w.tokens["super"]))["node"]
    assert len(data["demandAssignments"]) == 7 and data["liaisons"] == [{"username": "property_liaison"}]
    assert await _cost(client, ORG, w.tokens["super"], {"id": org}) == few
    assert await _cost(client, RESIDENTS, w.tokens["super"]) == few_residents
    # The liaison sees their organisation's assignments; a community worker of elsewhere none of them.
    seen = (await client.data(ORG, {"id": org}, w.tokens["c2_worker"]))["node"]
    assert seen["demandAssignments"] == []
