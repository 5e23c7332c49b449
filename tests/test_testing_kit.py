"""core.testing, the kit plugins test with: each helper does what the docs promise."""

from core import models as m
from core.testing import (
    app_client,
    build_world,
    count_statements,
    grant_role,
    login,
    make_user,
    subscribe,
    token_for,
)
from tests.test_live_support import NOTIFICATION_ADDED, NOTIFY, build_live_app


async def test_login_and_grant_role_through_the_api(core_client):
    w = await build_world()
    newcomer = await make_user("newcomer")
    token = await login(core_client, "newcomer")
    assert (await core_client.data("{ residents(first: 5) { totalCount } }", token=token))["residents"][
        "totalCount"
    ] == 0
    await grant_role(newcomer, "grid_worker", w.c1)
    seen = await core_client.data(
        "{ residents(first: 5) { totalCount } }", token=await login(core_client, "newcomer")
    )
    assert seen["residents"]["totalCount"] == 2


async def test_app_client_serves_the_plugins_asked_for():
    w = await build_world()
    async with app_client(()) as core_only:
        body = await core_only("{ plugins { name } }", token=w.tokens["c1_worker"])
        assert body["data"]["plugins"] == []
    async with app_client(["volunteers"]) as with_volunteers:
        body = await with_volunteers("{ plugins { name } }", token=w.tokens["c1_worker"])
        assert [p["name"] for p in body["data"]["plugins"]] == ["volunteers"]


async def test_count_statements_sees_each_statement(core_client):
    w = await build_world()
    with count_statements() as sql:
        await core_client.data(
            "{ residents(first: 50) { edges { node { name } } } }", token=w.tokens["super"]
        )
    assert 1 <= len(sql) <= 6
    with count_statements() as sql:
        await m.Resident.all().count()
    assert len(sql) == 1 and sql[0].lstrip().upper().startswith("SELECT")


async def test_subscribe_receives_the_viewers_notification():
    w = await build_world()
    app = build_live_app()
    me = w.users["c1_worker"]
    async with subscribe(app, NOTIFICATION_ADDED, token=token_for(me)) as sub:
        async with app_client_for(app) as gql:
            done = await gql.data(NOTIFY, {"ids": [me.id], "title": "hello"}, w.tokens["super"])
            assert done["liveTestNotify"]["count"] == 1
        payload = await sub.next()
    assert payload["data"]["notificationAdded"]["title"] == "hello"


def app_client_for(app):
    from core.testing import GraphQLClient

    return GraphQLClient(app)
