"""The viewer of a token is kept between requests and forgotten as soon as the account changes."""

import asyncio

from core import models as m
from core.events import Event
from core.testing import build_world, count_statements, make_user, token_for
from core.viewer_cache import CACHE, TOPIC

ME = "{ me { username roles { role { name } } } }"
ME_NAME = "{ me { username } }"
RESIDENTS = "{ residents(first: 10) { edges { node { name } } } }"
REVOKE = """mutation($input: GrantRoleInput!) { revokeRole(input: $input) { userErrors { code } } }"""
GRANT = """mutation($input: GrantRoleInput!) { grantRole(input: $input) { userErrors { code } } }"""
ACTIVE = """mutation($id: ID!, $active: Boolean!) { setUserActive(userId: $id, active: $active) { userErrors { code } } }"""


async def test_second_request_loads_no_viewer(core_client):
    w = await build_world()
    token = w.tokens["c1_worker"]
    with count_statements() as first:
        await core_client(ME_NAME, token=token)
    with count_statements() as second:
        await core_client(ME_NAME, token=token)
    assert len(first) == 2, first  # the account, its grants
    assert second == []  # `me` reads only the viewer


async def test_revoked_role_is_forgotten_at_once(core_client):
    w = await build_world()
    worker = w.tokens["c1_worker"]
    assert (await core_client.data(RESIDENTS, token=worker))["residents"]["edges"]
    body = await core_client(
        REVOKE,
        {"input": {"userId": w.gid(w.users["c1_worker"]), "role": "community_worker", "areaId": w.gid(w.c1)}},
        w.tokens["super"],
    )
    assert body["data"]["revokeRole"]["userErrors"] == []
    assert (await core_client.data(RESIDENTS, token=worker))["residents"]["edges"] == []
    assert (await core_client.data(ME, token=worker))["me"]["roles"] == []


async def test_granted_role_counts_at_once(core_client):
    w = await build_world()
    grid = w.tokens["c1_grid"]
    assert (await core_client.data(ME, token=grid))["me"]["roles"] == [{"role": {"name": "grid_worker"}}]
    body = await core_client(
        GRANT,
        {"input": {"userId": w.gid(w.users["c1_grid"]), "role": "grid_worker", "areaId": w.gid(w.c3)}},
        w.tokens["super"],
    )
    assert body["data"]["grantRole"]["userErrors"] == []
    names = {e["node"]["name"] for e in (await core_client.data(RESIDENTS, token=grid))["residents"]["edges"]}
    assert "刘洋" in names  # c3's resident


async def test_deactivated_account_is_refused_at_once(core_client):
    w = await build_world()
    worker = w.tokens["c1_worker"]
    await core_client(ME, token=worker)
    body = await core_client(ACTIVE, {"id": w.gid(w.users["c1_worker"]), "active": False}, w.tokens["super"])
    assert body["data"]["setUserActive"]["userErrors"] == []
    body = await core_client(ME, token=worker, errors_ok=True)
    assert body.get("errors") or body["data"]["me"] is None, body


async def test_changes_saved_outside_mutations_are_seen(core_client):
    """Model saves and deletes anywhere (services, scripts, tests) forget the user too."""
    w = await build_world()
    user = await make_user("later", [("grid_worker", w.c2)])
    token = token_for(user)
    assert (await core_client.data(ME, token=token))["me"]["roles"] == [{"role": {"name": "grid_worker"}}]
    grant = await m.RoleGrant.get(user_id=user.id)
    await grant.delete()
    assert (await core_client.data(ME, token=token))["me"]["roles"] == []
    user.username = "renamed"
    await user.save()
    assert (await core_client.data(ME, token=token))["me"]["username"] == "renamed"


async def test_another_instance_announcing_a_change_is_heard(core_client, app_factory):
    """What another process publishes on the bus (Redis delivers it locally the same way)."""
    w = await build_world()
    token = w.tokens["c1_worker"]
    await core_client(ME, token=token)
    assert CACHE.get(w.users["c1_worker"].id) is not None
    # Another instance revoked the grant: the row is gone, and its announcement arrives.
    await m.RoleGrant.filter(user_id=w.users["c1_worker"].id).delete()
    assert CACHE.get(w.users["c1_worker"].id) is not None  # a queryset delete here announces nothing
    app_factory(()).state.runtime.bus.deliver(Event(TOPIC, {"user_ids": [w.users["c1_worker"].id]}))
    for _ in range(10):
        await asyncio.sleep(0)
    assert CACHE.get(w.users["c1_worker"].id) is None
    assert (await core_client.data(ME, token=token))["me"]["roles"] == []


async def test_cache_off(app_factory):
    from core.testing import GraphQLClient

    w = await build_world()
    async with GraphQLClient(app_factory((), viewer_cache_seconds=0)) as client:
        await client(ME_NAME, token=w.tokens["c1_worker"])
        with count_statements() as second:
            await client(ME_NAME, token=w.tokens["c1_worker"])
    assert len(second) == 2


async def test_a_change_announced_by_another_process_reaches_this_one_through_redis(core_client):
    """Two Redis buses on one channel stand for two server processes."""
    import uuid

    from tests.test_live_bus import REDIS_URL, _redis_reachable, _url, eventually

    if not _redis_reachable():
        import pytest

        pytest.skip("LASTMILE_TEST_REDIS_URL unset or Redis unreachable")
    from core.redis_bus import RedisBus
    from core.viewer_cache import listen

    assert REDIS_URL
    url = _url(f"lastmile-test-{uuid.uuid4().hex}")
    here, there = RedisBus(url), RedisBus(url)
    await here.start()
    await there.start()
    try:
        listen(here)
        w = await build_world()
        await core_client(ME, token=w.tokens["c1_worker"])
        worker_id = w.users["c1_worker"].id
        assert CACHE.get(worker_id) is not None
        # What the other process publishes after its mutation commits (announce() there, which
        # would also forget the user in this process's cache: here only Redis may do that).
        await there.publish(Event(TOPIC, {"user_ids": [worker_id]}))
        await eventually(lambda: CACHE.get(worker_id) is None)
    finally:
        await here.stop()
        await there.stop()
