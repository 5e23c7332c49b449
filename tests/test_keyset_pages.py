"""Root connections page by keyset: the cursor carries the row's order key, so a page is read
with one indexed condition and one extra row, never an OFFSET over the rows before it; the
resolver path and the compiled path walk the same pages with the same cursors."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from core.api.relay import encode_keyset
from core.enums import HouseholdRelation
from core.testing import TEST_PLUGINS, GraphQLClient, build_world, count_statements, make_resident

PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
ORDERS = [
    None,
    "{field: NAME, direction: ASC}",
    "{field: NAME, direction: DESC}",
    "{field: BIRTH_DATE, direction: ASC}",
    "{field: BIRTH_DATE, direction: DESC}",
    "{field: CREATED_AT, direction: DESC}",
]


@pytest.fixture
async def world():
    w = await build_world()
    # Ties and NULLs in the order keys: equal names, equal birth years, no birth date.
    for i in range(4):
        await make_resident(w.unit1, "同名", HouseholdRelation.CHILD, birth_date=dt.date(2011, 3 + i, 1))
    for _ in range(2):
        await make_resident(w.unit1, "无生日", HouseholdRelation.OTHER, birth_date=None)
    return w


@pytest.fixture
async def paths(app_factory):
    async with (
        GraphQLClient(app_factory(TEST_PLUGINS, compile_reads=False)) as resolvers,
        GraphQLClient(app_factory(TEST_PLUGINS, compile_debug=True)) as compiled,
    ):
        yield resolvers, compiled


def _query(order: str | None, args: str) -> str:
    order_arg = f"orderBy: {order}, " if order else ""
    var = "($c: String)" if "$c" in args else ""
    return (
        f"query{var} {{ residents({order_arg}{args}) {{ {PAGE} "
        "edges { cursor node { id name birthDate } } } }"
    )


async def _walk(client, token, order, forward: bool, size: int) -> tuple[list[str], int]:
    """Every resident the viewer sees, page by page; returns the ids and the number of pages."""
    ids, cursor, pages = [], None, 0
    while True:
        args = f"first: {size}, after: $c" if forward else f"last: {size}, before: $c"
        body = await client(_query(order, args), {"c": cursor}, token)
        conn = body["data"]["residents"]
        page = [e["node"]["id"] for e in conn["edges"]]
        ids = ids + page if forward else page + ids
        pages += 1
        info = conn["pageInfo"]
        more = info["hasNextPage"] if forward else info["hasPreviousPage"]
        if not more:
            return ids, pages
        cursor = info["endCursor"] if forward else info["startCursor"]
        assert cursor == (conn["edges"][-1] if forward else conn["edges"][0])["cursor"]
        assert pages < 50


@pytest.mark.parametrize("viewer", ["super", "c1_worker", "c1_grid"])
async def test_pages_forwards_and_backwards_cover_the_list(paths, world, viewer):
    resolvers, compiled = paths
    token = world.tokens[viewer]
    for order in ORDERS:
        whole = await resolvers(_query(order, "first: 100"), None, token)
        expected = [e["node"]["id"] for e in whole["data"]["residents"]["edges"]]
        assert len(expected) >= 3
        for client in (resolvers, compiled):
            for forward in (True, False):
                ids, pages = await _walk(client, token, order, forward, 2)
                assert ids == expected, (order, forward, client is compiled)
                assert pages == max(1, -(-len(expected) // 2))


async def test_both_paths_give_the_same_cursors_and_page_info(paths, world):
    resolvers, compiled = paths
    token = world.tokens["super"]
    for order in ORDERS:
        first = await resolvers(_query(order, "first: 3"), None, token)
        mid = first["data"]["residents"]["edges"][1]["cursor"]
        for args in (
            "first: 3, after: $c",
            "last: 2, before: $c",
            "after: $c",
            "first: 0, after: $c",
            "last: 0, before: $c",
            "before: $c",
        ):
            a = await resolvers(_query(order, args), {"c": mid}, token)
            b = await compiled(_query(order, args), {"c": mid}, token)
            assert b.pop("extensions")["compiled"]["fallbacks"] == [], (order, args)
            assert a == b, (order, args)


async def test_a_cursor_is_the_order_key_not_an_offset(paths, world):
    """A page after a row stays the same when rows are added before it."""
    resolvers, compiled = paths
    token = world.tokens["super"]
    body = await resolvers(_query(None, "first: 2"), None, token)
    cursor = body["data"]["residents"]["pageInfo"]["endCursor"]
    before = await compiled(_query(None, "first: 3, after: $c"), {"c": cursor}, token)
    raw = base64.urlsafe_b64decode(cursor).decode()
    assert raw.startswith("k:[")
    await make_resident(world.unit1, "新来的", HouseholdRelation.OTHER)  # a higher id: after the page
    after = await compiled(_query(None, "first: 3, after: $c"), {"c": cursor}, token)
    assert after["data"] == before["data"]


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "bzox",
        encode_keyset(["x"]),
        encode_keyset([1, 2, 3]),
        encode_keyset([True]),
        base64.urlsafe_b64encode(b"k:[1").decode(),
        "\u00e9",
    ],
)
async def test_malformed_cursors_are_input_errors_on_both_paths(paths, world, cursor):
    resolvers, compiled = paths
    token = world.tokens["super"]
    for client in (resolvers, compiled):
        for args in ("first: 2, after: $c", "last: 2, before: $c"):
            response = await client.post(_query(None, args), {"c": cursor}, token)
            assert response.status_code == 200
            body = response.json()
            assert body["data"] is None or body["data"]["residents"] is None
            assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT", body


async def test_a_cursor_of_another_order_is_refused(paths, world):
    resolvers, compiled = paths
    token = world.tokens["super"]
    body = await resolvers(_query("{field: NAME, direction: ASC}", "first: 2"), None, token)
    cursor = body["data"]["residents"]["pageInfo"]["endCursor"]  # carries [name, id]
    for client in (resolvers, compiled):
        response = await client.post(_query(None, "first: 2, after: $c"), {"c": cursor}, token)
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_count_only_when_total_count_is_asked(paths, world):
    resolvers, compiled = paths
    token = world.tokens["super"]
    for client in (resolvers, compiled):
        await client("{ residents(first: 2) { edges { cursor } } }", None, token)  # warm the viewer cache
        with count_statements() as sql:
            await client("{ residents(first: 2) { edges { cursor } } }", None, token)
        assert not any("count(*) from" in s.lower() for s in sql), sql
        assert not any(" offset " in s.lower() for s in sql), sql
        with count_statements() as sql:
            body = await client("{ residents(first: 2) { totalCount edges { cursor } } }", None, token)
        assert body["data"]["residents"]["totalCount"] >= 2
        assert sum("count(*) from" in s.lower() for s in sql) == 1, sql
