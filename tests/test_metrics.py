"""/metrics in the Prometheus text format: operations, latency, errors, statements, pool, subscriptions, events."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.app import InsecureConfiguration
from core.testing import TEST_PLUGINS, GraphQLClient, build_world, count_statements

PROD_SECRET = "p" * 40


async def scrape(client, **headers) -> dict:
    resp = await client.http.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_operations_latency_and_statements_by_operation(client):
    w = await build_world()
    await client.data(
        "{ __typename }", token=w.tokens["c1_worker"]
    )  # the viewer, loaded before any operation
    before = await scrape(client)
    query = (
        "query ResidentsPage { residents(first: 5) { totalCount edges { node { name unit { label } } } } }"
    )
    with count_statements() as statements:
        for _ in range(2):
            await client.data(query, token=w.tokens["c1_worker"])
    after = await scrape(client)
    op = {"operation": "ResidentsPage", "outcome": "ok"}
    assert (
        value(after, "lastmile_graphql_operations_total", **op)
        - value(before, "lastmile_graphql_operations_total", **op)
        == 2
    )
    assert (
        value(after, "lastmile_graphql_operation_duration_seconds_count", **op)
        - value(before, "lastmile_graphql_operation_duration_seconds_count", **op)
        == 2
    )
    # Per operation: what the database really received (compiled reads and the viewer cache make it few).
    n = value(after, "lastmile_sql_statements_per_operation_count", operation="ResidentsPage") - value(
        before, "lastmile_sql_statements_per_operation_count", operation="ResidentsPage"
    )
    total = value(after, "lastmile_sql_statements_per_operation_sum", operation="ResidentsPage") - value(
        before, "lastmile_sql_statements_per_operation_sum", operation="ResidentsPage"
    )
    assert n == 2 and total == len(statements) >= 2, (total, statements)


async def test_errors_by_code_and_outcomes(client):
    w = await build_world()
    before = await scrape(client)
    await client("query Anon { residents { totalCount } }", errors_ok=True)  # no token
    await client("query Broken { residents { nope } }", token=w.tokens["c1_worker"], errors_ok=True)
    await client("query($id: ID!) { node(id: $id) { id } }", {"id": "x"}, w.tokens["c1_worker"])
    after = await scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("lastmile_graphql_errors_total", code="UNAUTHENTICATED") == 1
    assert delta("lastmile_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert delta("lastmile_graphql_operations_total", operation="Anon", outcome="rejected") == 1
    assert delta("lastmile_graphql_operations_total", operation="Broken", outcome="rejected") == 1
    assert delta("lastmile_graphql_operations_total", operation="anonymous", outcome="ok") == 1


async def test_client_chosen_names_cannot_grow_the_scrape(client):
    await client("query { __typename }", errors_ok=True)
    resp = await client.http.post("/graphql", json={"query": "{ __typename }", "operationName": "x y<z>"})
    assert resp.status_code in (200, 400)
    text = (await client.http.get("/metrics")).text
    assert "x y<z>" not in text


async def test_subscriptions_open_and_pool(client, on_postgres):
    bus = client.app.state.runtime.bus
    before = value(await scrape(client), "lastmile_subscriptions_open")
    sub = bus.subscribe("test.topic")
    try:
        assert value(await scrape(client), "lastmile_subscriptions_open") == before + 1
    finally:
        sub.close()
    samples = await scrape(client)
    assert value(samples, "lastmile_subscriptions_open") == before
    if on_postgres:
        assert value(samples, "lastmile_db_pool_connections", state="max") >= 1
        assert value(samples, "lastmile_db_pool_connections", state="open") >= 1
    else:
        assert value(samples, "lastmile_db_pool_connections", state="open") == 1


@pytest.mark.skipif(
    TEST_PLUGINS is not None and "mediation" not in TEST_PLUGINS, reason="needs the mediation plugin"
)
async def test_events_published_by_topic(client):
    from plugins.mediation.tests.helpers import mediation_world, ok, report

    w = await mediation_world()
    before = value(await scrape(client), "lastmile_events_published_total", topic="mediation.case.updated")
    ok(await report(client, w))
    after = value(await scrape(client), "lastmile_events_published_total", topic="mediation.case.updated")
    assert after == before + 1


async def test_metrics_token(app_factory):
    async with GraphQLClient(app_factory((), metrics_token="scrape-secret")) as client:
        assert (await client.http.get("/metrics")).status_code == 401
        assert (
            await client.http.get("/metrics", headers={"Authorization": "Bearer wrong"})
        ).status_code == 401
        await scrape(client, Authorization="Bearer scrape-secret")


async def test_off_or_protected_in_production(app_factory):
    async with GraphQLClient(app_factory((), env="production", secret_key=PROD_SECRET)) as client:
        assert (await client.http.get("/metrics")).status_code == 404
    with pytest.raises(InsecureConfiguration, match="LASTMILE_METRICS_TOKEN"):
        app_factory((), env="production", secret_key=PROD_SECRET, metrics_enabled=True)
    app = app_factory(
        (), env="production", secret_key=PROD_SECRET, metrics_enabled=True, metrics_token="t" * 32
    )
    async with GraphQLClient(app) as client:
        await scrape(client, Authorization=f"Bearer {'t' * 32}")
    async with GraphQLClient(app_factory((), metrics_enabled=False)) as client:
        assert (await client.http.get("/metrics")).status_code == 404
