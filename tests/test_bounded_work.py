"""Bounded work per request: static cost before execution, deadline, object cap, disconnects.

The fan-out shapes are those of issue 10 (a resident's nine levels of
``unit { residents { ...``, a grid worker's ``residents(first: 500)`` with the
same nesting, thirty aliases of it): each is refused before anything runs,
with no SQL beyond the sign-in lookup, while the ordinary front-end queries
(bench/run.py, a page of 500) stay under the default budget.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from urllib.parse import urlencode

import orjson
import pytest
from tortoise.connection import connections
from tortoise.expressions import Q

from bench.run import QUERIES as BENCH_QUERIES
from core import models as m
from core.enums import HouseholdRelation
from core.testing import (
    GraphQLClient,
    build_world,
    count_statements,
    make_resident,
    make_user,
    token_for,
)

NEST = "unit { residents { name "


def nested_me(levels: int) -> str:
    return "{ me { resident { " + NEST * levels + "}}" * levels + " } } }"


def nested_page(levels: int, first: int = 500) -> str:
    return (
        f"{{ residents(first: {first}) {{ edges {{ node {{ name " + NEST * levels + "}}" * levels + " } } } }"
    )


def aliases(count: int, levels: int) -> str:
    inner = "edges { node { name " + NEST * levels + "}}" * levels + " } }"
    return "{ " + " ".join(f"a{i}: residents(first: 500) {{ {inner} }}" for i in range(count)) + " }"


PAGE_OF_500 = """{ residents(first: 500) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
    id name gender birthDate age status idNumberMasked phoneMasked tags relationToHead
    unit { label building { name } } community { name } } } } }"""


async def residents_of(unit, count: int):
    for i in range(count):
        await make_resident(unit, f"居民{i}", HouseholdRelation.CHILD)


def refusal(body: dict) -> dict:
    assert "data" not in body or body["data"] is None, body
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


async def sign_in_statements(client, token) -> int:
    """Statements every request with this token makes before any operation (reading the viewer)."""
    with count_statements() as statements:
        await client.data("{ __typename }", token=token)
    return len(statements)


# ---------------------------------------------------------------- the static cost


async def test_ordinary_front_end_queries_stay_under_the_default_budget(client):
    w = await build_world()
    one = w.residents["zhang"]
    queries = {k: q for k, q in BENCH_QUERIES.items() if q is not None and not k.startswith("full tree")}
    queries["one resident by node id"] = (
        f'{{ node(id: "{w.gid(one)}") {{ ... on Resident {{ name unit {{ label }} }} }} }}'
    )
    queries["page of 500"] = PAGE_OF_500
    queries["page of 500 with households"] = (
        "{ residents(first: 500) { edges { node { name age unit { label residents { name relationToHead } } } } } }"
    )
    queries["district tree"] = (
        "{ districts { id name subdistricts { name isTown communities { totalCount edges { "
        "node { name residentCount unitCount } } } } } }"
    )
    for who in ("district_admin", "c1_worker", "c1_grid"):
        for label, query in queries.items():
            body = await client(query, token=w.tokens[who], errors_ok=True)
            assert not body.get("errors"), (who, label, body.get("errors"))
    # A resident's own view: their record, unit and household.
    household = (
        "{ me { resident { name unit { label residents { name relationToHead } householdHead { name } } } } }"
    )
    data = await client.data(household, token=w.tokens["resident"])
    assert {r["name"] for r in data["me"]["resident"]["unit"]["residents"]} == {"张伟", "李娜"}


@pytest.mark.parametrize(
    "who,query",
    [
        ("anonymous", nested_me(9)),
        ("resident", nested_me(9)),
        ("c1_grid", nested_page(2)),
        ("c1_grid", aliases(30, 1)),
        ("district_admin", nested_page(5, first=100)),
    ],
)
async def test_fan_out_attacks_are_refused_before_anything_runs(client, who, query):
    w = await build_world()
    token = w.tokens.get(who)
    sign_in = await sign_in_statements(client, token)
    assert sign_in == 0 if token is None else sign_in > 0
    with count_statements() as statements:
        body = await client(query, token=token, errors_ok=True)
    error = refusal(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] > error["extensions"]["maxCost"]
    assert str(error["extensions"]["cost"]) in error["message"]
    # Nothing executed: at most the sign-in lookup of the token (none once the viewer is cached).
    assert len(statements) <= sign_in, statements
    assert all("core_user" in sql or "core_role_grant" in sql or "core_resident" in sql for sql in statements)


async def test_refusal_status_and_shape_over_graphql_response_media_type(client):
    w = await build_world()
    resp = await client.http.post(
        "/graphql",
        json={"query": nested_page(3)},
        headers={
            "Authorization": f"Bearer {w.tokens['c1_grid']}",
            "Accept": "application/graphql-response+json",
        },
    )
    assert resp.status_code == 400
    body = resp.json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_cost_reads_page_sizes_from_literals_variables_and_defaults(app_factory):
    app = app_factory((), max_query_cost=1_000, max_query_cost_resident=1_000)
    query = "query($n: Int) { residents(first: $n) { edges { node { name unit { label } } } } }"
    defaulted = "query($n: Int = 400) { residents(first: $n) { edges { node { name unit { label } } } } }"
    async with GraphQLClient(app) as client:
        w = await build_world()
        token = w.tokens["c1_worker"]
        assert not (await client(query, {"n": 10}, token=token, errors_ok=True)).get("errors")
        big = refusal(await client(query, {"n": 400}, token=token, errors_ok=True))
        assert big["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        # The same operation with the page as a literal, and as a variable's default, costs the same.
        literal = refusal(
            await client(
                "{ residents(first: 400) { edges { node { name unit { label } } } } }",
                token=token,
                errors_ok=True,
            )
        )
        default = refusal(await client(defaulted, token=token, errors_ok=True))
        assert big["extensions"]["cost"] == literal["extensions"]["cost"] == default["extensions"]["cost"]
        # first and last together: the smaller one counts.
        both = "{ residents(first: 400, last: 10) { edges { node { name unit { label } } } } }"
        assert not (await client(both, token=token, errors_ok=True)).get("errors")
        # No page size at all: the pager's default page (50), not the largest page.
        assert not (
            await client(
                "{ residents { edges { node { name unit { label } } } } }", token=token, errors_ok=True
            )
        ).get("errors")


async def test_fragments_inline_fragments_and_aliases_cost_the_same_as_spelled_out(app_factory):
    app = app_factory((), max_query_cost=100)
    plain = "{ residents(first: 100) { edges { node { name unit { label } } } } }"
    via_fragment = """{ residents(first: 100) { ...Page } }
        fragment Page on ResidentConnection { edges { node { ...Person } } }
        fragment Person on Resident { name unit { label } }"""
    via_inline = (
        "{ residents(first: 100) { edges { node { ... on Resident { name ... { unit { label } } } } } } }"
    )
    async with GraphQLClient(app) as client:
        w = await build_world()
        token = w.tokens["c1_worker"]
        costs = []
        for query in (plain, via_fragment, via_inline):
            error = refusal(await client(query, token=token, errors_ok=True))
            costs.append(error["extensions"]["cost"])
        assert costs[0] == costs[1] == costs[2]
        # Two aliases of it cost twice as much (plus nothing: the root is the same).
        twice = refusal(
            await client("{ a: " + plain[2:-2] + " b: " + plain[2:-2] + " }", token=token, errors_ok=True)
        )
        assert twice["extensions"]["cost"] == 2 * costs[0]
        # A fragment spread twice is counted twice, not once.
        spread_twice = refusal(
            await client(
                "{ a: residents(first: 100) { ...Page } b: residents(first: 100) { ...Page } }"
                " fragment Page on ResidentConnection { edges { node { name unit { label } } } }",
                token=token,
                errors_ok=True,
            )
        )
        assert spread_twice["extensions"]["cost"] == 2 * costs[0]
        # A branch under @skip(if: true) / @include(if: $no) costs nothing.
        skipped = (
            "query($no: Boolean!) { me { username } residents(first: 100) @include(if: $no) "
            "{ edges { node { name unit { label } } } } }"
        )
        body = await client(skipped, {"no": False}, token=token, errors_ok=True)
        assert not body.get("errors") and "residents" not in body["data"]


async def test_mutations_cost_their_payload_and_a_base(app_factory):
    app = app_factory((), max_query_cost=10, max_query_cost_resident=10)
    mutation = """mutation($u: ID!) { registerResident(input: {name: "新人", unitId: $u}) {
        resident { name unit { label residents { name } } } userErrors { code } } }"""
    async with GraphQLClient(app) as client:
        w = await build_world()
        before = await m.Resident.all().count()
        error = refusal(
            await client(mutation, {"u": w.gid(w.unit1)}, token=w.tokens["c1_worker"], errors_ok=True)
        )
        assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert await m.Resident.all().count() == before  # nothing ran


async def test_subscriptions_are_costed_before_they_start():
    from core.services.notifications import TOPIC
    from tests.test_live_support import NOTIFICATION_ADDED, AsgiWebSocket, build_live_app

    app = build_live_app(max_query_cost=5)
    w = await build_world()
    async with AsgiWebSocket(app) as ws:
        assert (await ws.init({"token": w.tokens["c1_worker"]}))["type"] == "connection_ack"
        await ws.subscribe(NOTIFICATION_ADDED)
        msg = await ws.receive()
        errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert app.state.runtime.bus.subscriber_count(TOPIC) == 0


async def test_the_object_cap_is_per_request_across_a_batch(app_factory):
    # A page of 4 residents resolves 8 objects (4 rows read, 4 list items): one fits a cap of 12, two do not.
    app = app_factory((), max_resolved_objects=12)
    query = {"query": "{ residents(first: 4) { edges { node { name } } } }"}
    async with GraphQLClient(app) as client:
        w = await build_world()
        headers = {"Authorization": f"Bearer {w.tokens['district_admin']}"}
        one = (await client.http.post("/graphql", json=query, headers=headers)).json()
        assert len(one["data"]["residents"]["edges"]) == 4
        first, second = (await client.http.post("/graphql", json=[query, query], headers=headers)).json()
        assert len(first["data"]["residents"]["edges"]) == 4
        assert refusal(second)["extensions"]["code"] == "TOO_MANY_OBJECTS"


async def test_plugin_lists_are_costed_from_the_schema(client):
    """Plugin fields need nothing special: their lists and connections multiply like core's."""
    w = await build_world()
    token = w.tokens["district_admin"]
    cases = (
        "{ disputeCases(first: 500) { edges { node { caseNumber parties { name resident { name "
        + NEST * 2
        + "}}" * 2
        + " } } events { at } } } } }"
    )
    honors = (
        "{ residents(first: 500) { edges { node { name civilityHonors { year starLevel } "
        + NEST * 2
        + "}}" * 2
        + " } } } }"
    )
    for query in (cases, honors):
        body = await client(query, token=token, errors_ok=True)
        if body.get("errors") and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED":
            pytest.skip(f"plugin not enabled in this run: {body['errors'][0]['message']}")
        assert refusal(body)["extensions"]["code"] == "QUERY_TOO_COMPLEX", body


async def test_residents_have_a_smaller_budget_than_staff(app_factory):
    app = app_factory((), max_query_cost=50_000, max_query_cost_resident=1_000)
    # ~1,300 under the default sizes: fine for staff, more than a resident's view needs.
    query = "{ me { resident { " + NEST * 3 + "}}" * 3 + " } } }"
    async with GraphQLClient(app) as client:
        w = await build_world()
        staff = await make_user(
            "staff_resident", [("community_worker", w.c1)], resident=w.residents["zhang_wife"]
        )
        assert not (await client(query, token=token_for(staff), errors_ok=True)).get("errors")
        error = refusal(await client(query, token=w.tokens["resident"], errors_ok=True))
        assert error["extensions"]["maxCost"] == 1_000
        # Anonymous callers get the small budget too (and may only call login, plugins and me anyway).
        assert refusal(await client(query, errors_ok=True))["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_introspection_fits_the_budget_but_circular_introspection_does_not(core_client):
    from graphql import get_introspection_query

    body = await core_client(
        get_introspection_query(), errors_ok=True
    )  # anonymous, as GraphiQL before sign-in
    assert not body.get("errors") and body["data"]["__schema"]["types"]
    # Introspection lists cost this schema's real sizes, so circular introspection multiplies like any list
    # (graphql-core's own introspection depth rule may refuse it first).
    circular = "{ __schema { types { " + "fields { type { " * 6 + "name" + " } }" * 6 + " } } }"
    code = refusal(await core_client(circular, errors_ok=True))["extensions"]["code"]
    assert code in ("QUERY_TOO_COMPLEX", "GRAPHQL_VALIDATION_FAILED")


# ---------------------------------------------------------------- the second line: deadline, object cap


async def test_the_object_cap_stops_fan_out_the_estimate_let_through(app_factory):
    """Households of 30 with a budget raised past the estimate: the cap on resolved objects stops it."""
    app = app_factory((), max_query_cost=10**12, max_query_cost_resident=10**12, max_resolved_objects=2_000)
    async with GraphQLClient(app) as client:
        w = await build_world()
        await residents_of(w.unit1, 28)
        token = w.tokens["resident"]
        with count_statements() as statements:
            body = await client(nested_me(4), token=token, errors_ok=True)  # 30^4 = 810,000 residents
        error = refusal(body)
        assert error["extensions"] == {"code": "TOO_MANY_OBJECTS", "limit": 2_000}
        # The same few rows come from the loaders' caches: the statements stay few.
        assert len(statements) < 20, statements
        # Under the cap the same query shape works.
        data = await client.data(nested_me(1), token=token)
        assert len(data["me"]["resident"]["unit"]["residents"]) == 30


async def test_the_object_cap_counts_rows_the_loaders_read(app_factory):
    """A page of 5 out of a community's 40 residents reads all 40 (paginated in memory): they count.
    (The loaders' path: the compiled path reads only the page, tests/test_compiled_budget.py.)"""
    app = app_factory((), max_resolved_objects=30, compile_reads=False)
    query = "{ node(id: $c) { ... on Community { residents(first: 5) { edges { node { name } } } } } }"
    query = "query($c: ID!) " + query
    async with GraphQLClient(app) as client:
        w = await build_world()
        await residents_of(w.unit1, 38)
        body = await client(query, {"c": w.gid(w.c1)}, token=w.tokens["c1_worker"], errors_ok=True)
        assert refusal(body)["extensions"]["code"] == "TOO_MANY_OBJECTS"


async def test_the_deadline_stops_an_operation_with_timeout(app_factory, monkeypatch):
    from core.api import queries

    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow(info, f):
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return Q(), None

    monkeypatch.setattr(queries, "resident_where", slow)
    app = app_factory((), operation_timeout_seconds=0.3)
    async with GraphQLClient(app) as client:
        w = await build_world()
        body = await client("{ residents { totalCount } }", token=w.tokens["c1_worker"], errors_ok=True)
        error = refusal(body)
        assert error["extensions"]["code"] == "TIMEOUT"
        assert started.is_set() and cancelled.is_set()
        monkeypatch.undo()
        # The server is fine afterwards.
        assert (await client.data("{ residents { totalCount } }", token=w.tokens["c1_worker"]))["residents"]


async def test_a_mutation_past_the_deadline_rolls_back(app_factory, monkeypatch):
    from core.enums import OrganizationKind
    from core.services import residents

    async def slow_register(context, data):
        await m.Organization.create(name="半途而废", kind=OrganizationKind.UTILITY)
        await asyncio.sleep(60)

    monkeypatch.setattr(residents, "register_resident", slow_register)
    app = app_factory((), operation_timeout_seconds=0.3)
    async with GraphQLClient(app) as client:
        w = await build_world()
        body = await client(
            'mutation($u: ID!) { registerResident(input: {name: "x", unitId: $u}) { userErrors { code } } }',
            {"u": w.gid(w.unit1)},
            token=w.tokens["c1_worker"],
            errors_ok=True,
        )
        assert refusal(body)["extensions"]["code"] == "TIMEOUT"
        assert not await m.Organization.filter(name="半途而废").exists()


async def test_the_refusals_keep_their_codes_in_production(app_factory, monkeypatch):
    from core.api import queries
    from tests.test_hardening import prod_app, prod_token

    async def slow(info, f):
        await asyncio.sleep(60)

    monkeypatch.setattr(queries, "resident_where", slow)
    app = prod_app(app_factory, max_resolved_objects=3, operation_timeout_seconds=0.3)
    async with GraphQLClient(app) as client:
        w = await build_world()
        token = prod_token(app, w.users["district_admin"])
        codes = []
        for query in (
            nested_page(3),
            "{ residents { totalCount } }",
            "{ districts { subdistricts { communities { edges { node { name } } } } } }",
        ):
            codes.append(refusal(await client(query, token=token, errors_ok=True))["extensions"]["code"])
        assert codes == ["QUERY_TOO_COMPLEX", "TIMEOUT", "TOO_MANY_OBJECTS"]


# ---------------------------------------------------------------- a client that goes away


async def _post_then_disconnect(app, query: str, token: str, started: asyncio.Event, method: str = "POST"):
    """A raw ASGI POST (or GET) whose client disconnects once the operation has started."""
    body = orjson.dumps({"query": query}) if method == "POST" else b""
    query_string = urlencode({"query": query}).encode() if method == "GET" else b""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": query_string,
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"accept", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    gone = asyncio.Event()
    delivered = False
    sent: list[dict] = []

    async def receive():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    call = asyncio.ensure_future(app(scope, receive, send))
    await asyncio.wait_for(started.wait(), 10)
    gone.set()
    await asyncio.wait_for(call, 10)  # returns promptly instead of finishing the slow work
    return sent


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_disconnected_client_cancels_its_operation(app_factory, monkeypatch, on_postgres, method):
    from core.api import queries

    started, cancelled = asyncio.Event(), asyncio.Event()

    async def slow(info, f):
        started.set()
        try:
            if on_postgres:  # slow SQL: the statement itself must stop on the server
                await connections.get("default").execute_query("SELECT pg_sleep(60)")
            else:
                await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return Q(), None

    monkeypatch.setattr(queries, "resident_where", slow)
    app = app_factory(())
    w = await build_world()
    sent = await _post_then_disconnect(
        app, "{ residents { totalCount } }", w.tokens["c1_worker"], started, method
    )
    assert cancelled.is_set()
    assert sent == []  # nobody to answer
    if on_postgres:
        await _no_sessions_left(lambda row: "pg_sleep" in (row["query"] or "") and row["state"] == "active")
        pool = connections.get("default")._pool
        assert pool.get_idle_size() == pool.get_size()
    monkeypatch.undo()
    async with GraphQLClient(app) as client:
        assert (await client.data("{ residents { totalCount } }", token=w.tokens["c1_worker"]))["residents"]


async def test_a_disconnected_client_rolls_back_its_mutation(app_factory, monkeypatch, on_postgres):
    from core.enums import OrganizationKind
    from core.services import residents

    started = asyncio.Event()

    async def slow_register(context, data):
        await m.Organization.create(name="半途而废", kind=OrganizationKind.UTILITY)
        started.set()
        await asyncio.sleep(60)

    monkeypatch.setattr(residents, "register_resident", slow_register)
    app = app_factory(())
    w = await build_world()
    mutation = f'mutation {{ registerResident(input: {{name: "x", unitId: "{w.gid(w.unit1)}"}}) {{ userErrors {{ code }} }} }}'
    assert await _post_then_disconnect(app, mutation, w.tokens["c1_worker"], started) == []
    assert not await m.Organization.filter(name="半途而废").exists()
    if on_postgres:
        await _no_sessions_left(lambda row: row["state"] == "idle in transaction")


async def _no_sessions_left(matches) -> None:
    """Poll pg_stat_activity (bounded) until no other session matches."""
    conn = connections.get("default")
    for _ in range(50):
        rows = await conn.execute_query_dict(
            "SELECT state, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        if not [r for r in rows if matches(r)]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"sessions left behind: {rows}")


# ---------------------------------------------------------------- under attack


async def test_ordinary_requests_keep_their_latency_under_refused_fan_out(client, on_postgres):
    """Many concurrent fan-out attempts are refused without SQL and cost less than an ordinary request,
    so an ordinary request under that load stays within a generous factor of its own baseline."""
    if not on_postgres:
        pytest.skip("concurrency proofs run on PostgreSQL")
    w = await build_world()
    for unit in (w.unit1, w.unit2, w.unit3):
        await residents_of(unit, 30)
    grid, worker = w.tokens["c1_grid"], w.tokens["district_admin"]
    ordinary = BENCH_QUERIES["residents page (100 rows, nested unit/community)"]
    attacks = [nested_page(4), aliases(30, 2), nested_me(9)]
    attack_tokens = [grid, grid, w.tokens["resident"]]

    async def timed(query, token):
        t0 = time.perf_counter()
        body = await client(query, token=token, errors_ok=True)
        return time.perf_counter() - t0, body

    for _ in range(3):  # warm the caches (parser, validation, plans)
        await timed(ordinary, worker)
        for a, t in zip(attacks, attack_tokens, strict=True):
            await timed(a, t)
    baseline = statistics.median([(await timed(ordinary, worker))[0] for _ in range(15)])

    # 1. Refusals alone: no SQL past the sign-in lookup, each cheaper than the ordinary request.
    sign_in = {t: await sign_in_statements(client, t) for t in set(attack_tokens)}
    with count_statements() as statements:
        refused = await asyncio.gather(*(timed(attacks[i % 3], attack_tokens[i % 3]) for i in range(60)))
    assert all(refusal(body)["extensions"]["code"] == "QUERY_TOO_COMPLEX" for _, body in refused)
    assert len(statements) <= sum(sign_in[attack_tokens[i % 3]] for i in range(60))
    one_refusal = statistics.median(
        [(await timed(attacks[i % 3], attack_tokens[i % 3]))[0] for i in range(15)]
    )
    assert one_refusal < baseline, (one_refusal, baseline)

    # 2. Ordinary requests while 20 attackers keep sending refused fan-out.
    stop = asyncio.Event()
    attempts = [0]

    async def attacker(i):
        while not stop.is_set():
            _, body = await timed(attacks[i % 3], attack_tokens[i % 3])
            assert refusal(body)["extensions"]["code"] == "QUERY_TOO_COMPLEX"
            attempts[0] += 1

    crowd = [asyncio.ensure_future(attacker(i)) for i in range(20)]
    try:
        loaded = []
        for _ in range(15):
            seconds, body = await timed(ordinary, worker)
            assert not body.get("errors") and body["data"]["residents"]["totalCount"] == 94
            loaded.append(seconds)
    finally:
        stop.set()
        await asyncio.gather(*crowd)
    under_attack = statistics.median(loaded)
    print(
        f"ordinary request: {baseline * 1000:.1f} ms alone, {under_attack * 1000:.1f} ms under "
        f"{attempts[0]} refused attempts; one refusal {one_refusal * 1000:.1f} ms"
    )
    assert attempts[0] >= 15 * 20 / 2, attempts  # the attack really ran alongside
    # Twenty refusals interleave with each ordinary request; executing even one attack would take
    # minutes (issue 10: 41-58 s each), so a factor of 40 is generous and still proves the point.
    assert under_attack < 40 * baseline, (under_attack, baseline)


# ---------------------------------------------------------------- fragment bombs


def fragment_chain(levels: int, *, nested: bool) -> str:
    """Each fragment spreads the next one twice: 2**levels expansions of a naive walk."""
    parts = []
    for i in range(levels):
        inner = f"...F{i + 1} ...F{i + 1}"
        body = f"unit {{ residents {{ {inner} }} }}" if nested else inner
        parts.append(f"fragment F{i} on Resident {{ name {body} }}")
    parts.append(f"fragment F{levels} on Resident {{ name }}")
    return "{ me { resident { ...F0 } } } " + " ".join(parts)


@pytest.mark.parametrize("nested", [False, True])
async def test_fragment_bombs_are_answered_at_once_with_a_code(client, nested):
    """A walk that re-expands fragments at every spread would take 2**40 steps on these."""
    w = await build_world()
    body = await asyncio.wait_for(
        client(fragment_chain(40, nested=nested), token=w.tokens["c1_grid"], errors_ok=True), timeout=60
    )
    if nested:
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes & {"QUERY_TOO_DEEP", "QUERY_TOO_COMPLEX"}, body
    else:
        # No nesting: a cheap query whatever its spelling (the fragments collapse to `name`).
        assert "errors" not in body or all(e.get("extensions", {}).get("code") for e in body["errors"]), body
