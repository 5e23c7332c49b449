"""CORS for front-ends: the headers Apollo Client and request tracing send, and X-Request-ID readable."""

from core.testing import GraphQLClient

ORIGIN = "https://console.lastmile.example"
SENT = "authorization, content-type, x-request-id, apollographql-client-name, apollographql-client-version"


async def test_preflight_allows_tracing_and_apollo_headers(app_factory):
    async with GraphQLClient(app_factory((), cors_origins=ORIGIN)) as client:
        pre = await client.http.options(
            "/graphql",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": SENT,
            },
        )
        assert pre.status_code == 200, pre.text
        allowed = {h.strip() for h in pre.headers["access-control-allow-headers"].lower().split(",")}
        assert {h.strip() for h in SENT.split(",")} <= allowed
        # Anything else is still refused.
        odd = await client.http.options(
            "/graphql",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-evil",
            },
        )
        assert odd.status_code == 400


async def test_front_end_can_read_the_request_id(app_factory):
    async with GraphQLClient(app_factory((), cors_origins=ORIGIN)) as client:
        resp = await client.http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={
                "Origin": ORIGIN,
                "X-Request-ID": "web-7f3a",
                "apollographql-client-name": "console",
                "apollographql-client-version": "1.4.0",
            },
        )
        assert resp.status_code == 200
        assert resp.headers["x-request-id"] == "web-7f3a"
        assert "x-request-id" in resp.headers["access-control-expose-headers"].lower()
        assert resp.headers["access-control-allow-origin"] == ORIGIN
