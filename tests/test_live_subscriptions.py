"""Subscriptions over graphql-transport-ws at /graphql, in process: auth, scoping, notifications.

Runs on SQLite and PostgreSQL with the in-process bus; the cross-process
tests are in test_live_cluster.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import jwt
import pytest

from core import models as m
from core.api.relay import gid_of
from core.auth import ALGORITHM, ISSUER
from core.events import Event, InProcessBus
from core.services.notifications import TOPIC
from core.settings import get_settings
from core.testing import GraphQLClient, build_world
from tests.test_live_support import NOTIFICATION_ADDED, NOTIFY, AsgiWebSocket, Closed, bearer, build_live_app


@pytest.fixture(scope="module")
def live_app():
    return build_live_app()


@pytest.fixture
async def gql(live_app):
    async with GraphQLClient(live_app) as c:
        yield c


def bus_of(app):
    return app.state.runtime.bus


async def notify(gql, token, user_ids, title, **extra):
    data = await gql.data(NOTIFY, {"ids": user_ids, "title": title, **extra}, token)
    return data["liveTestNotify"]


async def subscribed(app, ws: AsgiWebSocket, topic=TOPIC, count=1):
    """Wait until the server registered the subscription on the bus (it is asynchronous)."""
    for _ in range(200):
        if bus_of(app).subscriber_count(topic) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("subscription never reached the bus")


# ------------------------------------------------------------------ authentication


async def test_bad_token_closes_with_4403(live_app):
    await build_world()
    async with AsgiWebSocket(live_app) as ws:
        await ws.send({"type": "connection_init", "payload": bearer("not-a-token")})
        with pytest.raises(Closed) as closed:
            await ws.receive()
        assert closed.value.code == 4403


async def test_deactivated_account_token_closes_with_4403(live_app):
    w = await build_world()
    await m.User.filter(id=w.users["c1_worker"].id).update(is_active=False)
    async with AsgiWebSocket(live_app) as ws:
        await ws.send({"type": "connection_init", "payload": {"token": w.tokens["c1_worker"]}})
        with pytest.raises(Closed) as closed:
            await ws.receive()
        assert closed.value.code == 4403


async def test_bad_authorization_header_on_upgrade_closes_with_4403(live_app):
    async with AsgiWebSocket(live_app, headers={"Authorization": "Bearer nope"}) as ws:
        await ws.send({"type": "connection_init", "payload": {}})
        with pytest.raises(Closed) as closed:
            await ws.receive()
        assert closed.value.code == 4403


async def test_subscription_without_token_is_refused_unauthenticated(live_app):
    async with AsgiWebSocket(live_app) as ws:
        assert (await ws.init())["type"] == "connection_ack"
        await ws.subscribe(NOTIFICATION_ADDED)
        msg = await ws.receive()
        errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
        assert msg["type"] in ("error", "next")
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        if msg["type"] == "next":
            assert (await ws.receive())["type"] == "complete"
    assert bus_of(live_app).subscriber_count(TOPIC) == 0


async def test_subscribe_before_connection_init_closes_with_4401(live_app):
    async with AsgiWebSocket(live_app) as ws:
        await ws.subscribe(NOTIFICATION_ADDED)
        with pytest.raises(Closed) as closed:
            await ws.receive()
        assert closed.value.code == 4401


# ------------------------------------------------------------------ delivery and scoping


async def test_subscriber_receives_own_notifications_only(live_app, gql):
    w = await build_world()
    me, other = w.users["c1_worker"], w.users["c2_worker"]
    async with AsgiWebSocket(live_app) as ws:
        assert (await ws.init(bearer(w.tokens["c1_worker"])))["type"] == "connection_ack"
        await ws.subscribe(NOTIFICATION_ADDED)
        await subscribed(live_app, ws)
        assert (await notify(gql, w.tokens["super"], [other.id], "for c2"))["count"] == 1
        assert (await notify(gql, w.tokens["super"], [other.id, me.id], "for both"))["count"] == 2
        msg = await ws.receive()
        assert msg["type"] == "next" and msg["id"] == "1"
        note = msg["payload"]["data"]["notificationAdded"]
        assert note["title"] == "for both" and note["kind"] == "live_test.ping" and note["readAt"] is None
        assert await ws.nothing_within(0.3)
    mine = await m.Notification.get(user_id=me.id)
    assert note["id"] == gid_of(mine)


async def test_token_in_token_key_and_unauthorized_subject_is_hidden(live_app, gql):
    """The subject resolves through the subscriber's scope, re-read for every event."""
    w = await build_world()
    worker = w.users["c1_worker"]
    zhang, liu = w.residents["zhang"], w.residents["liu"]  # c1 and c3
    async with AsgiWebSocket(live_app) as ws:
        assert (await ws.init({"token": w.tokens["c1_worker"]}))["type"] == "connection_ack"
        await ws.subscribe(NOTIFICATION_ADDED)
        await subscribed(live_app, ws)
        await notify(gql, w.tokens["super"], [worker.id], "in scope", subject=zhang.id)
        note = (await ws.receive())["payload"]["data"]["notificationAdded"]
        assert note["subject"] == {"id": gid_of(zhang)}
        await notify(gql, w.tokens["super"], [worker.id], "out of scope", subject=liu.id)
        note = (await ws.receive())["payload"]["data"]["notificationAdded"]
        assert note["title"] == "out of scope" and note["subject"] is None
        # Revoking the role takes effect on the next event of the same connection.
        revoke = """mutation($input: GrantRoleInput!) { revokeRole(input: $input) { userErrors { code } } }"""
        body = await gql(
            revoke,
            {"input": {"userId": gid_of(worker), "role": "community_worker", "areaId": gid_of(w.c1)}},
            w.tokens["super"],
        )
        assert body["data"]["revokeRole"]["userErrors"] == []
        await notify(gql, w.tokens["super"], [worker.id], "after revoke", subject=zhang.id)
        note = (await ws.receive())["payload"]["data"]["notificationAdded"]
        assert note["title"] == "after revoke" and note["subject"] is None


async def _assert_session_ended(app, ws):
    msg = await ws.receive()
    assert msg["type"] == "next"
    assert msg["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert msg["payload"]["data"] is None
    assert (await ws.receive())["type"] == "complete"
    assert bus_of(app).subscriber_count(TOPIC) == 0


async def test_deactivation_ends_a_running_subscription(live_app):
    w = await build_world()
    worker = w.users["c1_worker"]
    async with AsgiWebSocket(live_app) as ws:
        await ws.init(bearer(w.tokens["c1_worker"]))
        await ws.subscribe(NOTIFICATION_ADDED)
        await subscribed(live_app, ws)
        note = await m.Notification.create(user_id=worker.id, kind="k", title="t")
        worker.is_active = False  # as setUserActive does: a model save, which the viewer cache hears
        await worker.save(update_fields=["is_active"])
        await bus_of(live_app).publish(Event(TOPIC, {"user_id": worker.id, "notification_id": note.id}))
        await _assert_session_ended(live_app, ws)


async def test_token_expiry_ends_a_running_subscription(live_app, gql):
    w = await build_world()
    worker = w.users["c1_worker"]
    settings = get_settings()
    now = dt.datetime.now(dt.UTC)
    # Long enough to connect on a busy machine; the test then waits until it has passed.
    expires = int((now + dt.timedelta(seconds=3)).timestamp())
    short = jwt.encode(
        {"sub": str(worker.id), "iat": now, "exp": expires, "iss": ISSUER},
        settings.secret_key,
        algorithm=ALGORITHM,
    )
    async with AsgiWebSocket(live_app) as ws:
        assert (await ws.init(bearer(short)))["type"] == "connection_ack"
        await ws.subscribe(NOTIFICATION_ADDED)
        await subscribed(live_app, ws)
        await asyncio.sleep(max(0.0, expires - dt.datetime.now(dt.UTC).timestamp()) + 1.2)
        await notify(gql, w.tokens["super"], [worker.id], "after expiry")
        await _assert_session_ended(live_app, ws)
        # A new subscription on the same connection is refused at once.
        await ws.subscribe(NOTIFICATION_ADDED, "2")
        msg = await ws.receive()
        errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert bus_of(live_app).subscriber_count(TOPIC) == 0


async def test_rolled_back_mutation_publishes_nothing(live_app, gql):
    w = await build_world()
    worker = w.users["c1_worker"]
    async with AsgiWebSocket(live_app) as ws:
        await ws.init(bearer(w.tokens["c1_worker"]))
        await ws.subscribe(NOTIFICATION_ADDED)
        await subscribed(live_app, ws)
        failed = await notify(gql, w.tokens["super"], [worker.id], "rolled back", fail=True)
        assert failed["count"] is None and failed["userErrors"][0]["code"] == "INVALID_INPUT"
        await notify(gql, w.tokens["super"], [worker.id], "committed")
        # The first thing to arrive is the committed one: the failed one was never published.
        note = (await ws.receive())["payload"]["data"]["notificationAdded"]
        assert note["title"] == "committed"
        assert await ws.nothing_within(0.3)
    assert await m.Notification.filter(title="rolled back").count() == 0


async def test_two_subscriptions_on_one_connection_and_complete(live_app, gql):
    w = await build_world()
    worker = w.users["c1_worker"]
    async with AsgiWebSocket(live_app) as ws:
        await ws.init(bearer(w.tokens["c1_worker"]))
        await ws.subscribe(NOTIFICATION_ADDED, "a")
        await ws.subscribe(NOTIFICATION_ADDED, "b")
        await subscribed(live_app, ws, count=2)
        await notify(gql, w.tokens["super"], [worker.id], "twice")
        got = {(await ws.receive())["id"], (await ws.receive())["id"]}
        assert got == {"a", "b"}
        await ws.send({"id": "a", "type": "complete"})
        for _ in range(100):
            if bus_of(live_app).subscriber_count(TOPIC) == 1:
                break
            await asyncio.sleep(0.01)
        assert bus_of(live_app).subscriber_count(TOPIC) == 1
        await notify(gql, w.tokens["super"], [worker.id], "once")
        msg = await ws.receive()
        assert msg["id"] == "b"
        assert await ws.nothing_within(0.2)
    assert bus_of(live_app).subscriber_count(TOPIC) == 0


# ------------------------------------------------------------------ my notifications


async def test_my_notifications_and_mark_read_end_to_end(live_app, gql):
    w = await build_world()
    me, other = w.users["c1_worker"], w.users["c2_worker"]
    token = w.tokens["c1_worker"]
    await notify(gql, w.tokens["super"], [me.id], "first")
    await notify(gql, w.tokens["super"], [me.id, other.id], "second")
    query = """query($unread: Boolean) { myNotifications(unreadOnly: $unread) {
        totalCount edges { node { id title readAt } } } }"""
    mine = (await gql.data(query, {}, token))["myNotifications"]
    assert [e["node"]["title"] for e in mine["edges"]] == ["second", "first"]
    theirs = (await gql.data(query, {}, w.tokens["c2_worker"]))["myNotifications"]
    assert [e["node"]["title"] for e in theirs["edges"]] == ["second"]
    first_id = mine["edges"][1]["node"]["id"]
    their_id = theirs["edges"][0]["node"]["id"]
    mark = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }"
    # Someone else's notification (and junk ids) are silently not mine to mark.
    assert (await gql.data(mark, {"ids": [first_id, their_id, "junk"]}, token))["markNotificationsRead"] == 1
    assert (await gql.data(mark, {"ids": [first_id]}, token))["markNotificationsRead"] == 0
    unread = (await gql.data(query, {"unread": True}, token))["myNotifications"]
    assert [e["node"]["title"] for e in unread["edges"]] == ["second"]
    theirs = (await gql.data(query, {"unread": True}, w.tokens["c2_worker"]))["myNotifications"]
    assert theirs["totalCount"] == 1
    body = await gql(mark, {"ids": [first_id]}, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql(query, {}, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ------------------------------------------------------------------ slow and vanished clients


async def test_stalled_client_does_not_block_publishers_and_is_forgotten_on_disconnect(gql):
    """A client that stops reading: publishing stays instant, its queue stays at the bound,
    and once it goes away the bus holds nothing for it."""
    bound = 8
    bus = InProcessBus(queue_size=bound)
    app = build_live_app(bus=bus)
    w = await build_world()
    worker = w.users["c1_worker"]
    ws = AsgiWebSocket(app, buffer=1)
    await ws.connect()
    await ws.init(bearer(w.tokens["c1_worker"]))
    await ws.subscribe(NOTIFICATION_ADDED)
    await subscribed(app, ws)
    async with GraphQLClient(app) as stalled_gql:
        # Two real notifications: one fills the client's buffer, the server then
        # waits to send the second, so nothing drains the bus queue any more.
        await notify(stalled_gql, w.tokens["super"], [worker.id], "one")
        await notify(stalled_gql, w.tokens["super"], [worker.id], "two")
    (sub,) = bus._subs[TOPIC]
    for _ in range(200):
        if sub.queue.empty() and ws.from_app.full():
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the server never stalled on the unread client")
    started = time.perf_counter()
    for i in range(10 * bound):
        await bus.publish(Event(TOPIC, {"user_id": worker.id, "notification_id": 10_000 + i}))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5
    assert sub.queue.qsize() == bound
    assert sub.dropped == 10 * bound - bound
    # The newest events are the ones kept.
    assert sub.queue._queue[-1].data["notification_id"] == 10_000 + 10 * bound - 1
    await ws.disconnect()
    assert bus.subscriber_count() == 0
    assert sub.closed and sub.queue.qsize() == 0
    # Publishing after the client vanished costs nothing and reaches no one.
    await bus.publish(Event(TOPIC, {"user_id": worker.id, "notification_id": 1}))
    assert bus.subscriber_count() == 0


async def test_notify_skips_unknown_and_deactivated_accounts_and_duplicates(gql):
    w = await build_world()
    me, gone = w.users["c1_worker"], w.users["c2_worker"]
    await m.User.filter(id=gone.id).update(is_active=False)
    result = await notify(gql, w.tokens["super"], [me.id, me.id, gone.id, 999_999], "hello")
    assert result == {"count": 1, "userErrors": []}
    assert await m.Notification.filter(title="hello").values_list("user_id", flat=True) == [me.id]
    mark = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }"
    assert (await gql.data(mark, {"ids": []}, w.tokens["c1_worker"]))["markNotificationsRead"] == 0


async def test_personal_data_read_by_a_subscription_is_audited_per_event(live_app, gql):
    w = await build_world()
    worker = w.users["c1_worker"]
    zhang = w.residents["zhang"]
    query = "subscription { notificationAdded { title subject { ... on Resident { idNumber } } } }"
    async with AsgiWebSocket(live_app) as ws:
        await ws.init(bearer(w.tokens["c1_worker"]))
        await ws.subscribe(query)
        await subscribed(live_app, ws)
        await notify(gql, w.tokens["super"], [worker.id], "about zhang", subject=zhang.id)
        note = (await ws.receive())["payload"]["data"]["notificationAdded"]
        assert note["subject"]["idNumber"] and len(note["subject"]["idNumber"]) == 18
        # Written while the subscription is still running, not when it ends.
        for _ in range(100):
            if await m.AuditLog.filter(action="pii.read", actor_id=worker.id).exists():
                break
            await asyncio.sleep(0.02)
        rows = await m.AuditLog.filter(action="pii.read", actor_id=worker.id).values("subject_gid", "field")
        assert rows == [{"subject_gid": gid_of(zhang), "field": "id_number"}]


async def test_browser_pages_on_foreign_origins_are_refused_unless_listed():
    await build_world()
    foreign = {"origin": "https://evil.example", "host": "api.example"}
    with pytest.raises(Closed):
        await AsgiWebSocket(build_live_app(), headers=foreign).connect()
    listed = build_live_app(cors_origins="https://console.example")
    async with AsgiWebSocket(
        listed, headers={"origin": "https://console.example", "host": "api.example"}
    ) as ws:
        assert (await ws.init())["type"] == "connection_ack"
    with pytest.raises(Closed):
        await AsgiWebSocket(listed, headers=foreign).connect()
