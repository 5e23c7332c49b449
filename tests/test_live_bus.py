"""The event bus itself: bounded queues, and the Redis backend across bus instances.

The Redis tests need ``LASTMILE_TEST_REDIS_URL`` (CI sets it) and a reachable
server; each test uses its own channel so parallel runs do not collide.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest

from core import redis_bus
from core.bus import make_bus
from core.events import Event, InProcessBus
from core.redis_bus import RedisBus, split_url
from core.settings import Settings

REDIS_URL = os.environ.get("LASTMILE_TEST_REDIS_URL")


def _redis_reachable() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except (redis.RedisError, OSError):
        return False


needs_redis = pytest.mark.skipif(
    not _redis_reachable(), reason="LASTMILE_TEST_REDIS_URL unset or Redis unreachable"
)


async def eventually(check, timeout: float = 3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


# ------------------------------------------------------------------ in process


async def test_in_process_bus_delivers_by_topic():
    bus = InProcessBus()
    a, b = bus.subscribe("x.one"), bus.subscribe("x.two")
    await bus.publish(Event("x.one", {"n": 1}))
    assert a.queue.get_nowait() == Event("x.one", {"n": 1})
    assert b.queue.empty()
    a.close()
    a.close()  # idempotent
    assert bus.subscriber_count() == 1
    b.close()
    assert bus.subscriber_count() == 0 and bus._subs == {}


async def test_unread_subscriber_keeps_the_newest_and_never_blocks_publisher():
    bus = InProcessBus(queue_size=10)
    sub = bus.subscribe("t")
    started = time.perf_counter()
    for i in range(100):
        await bus.publish(Event("t", {"n": i}))
    assert time.perf_counter() - started < 0.5
    assert sub.queue.qsize() == 10 and sub.dropped == 90
    assert [sub.queue.get_nowait().data["n"] for _ in range(10)] == list(range(90, 100))
    sub.close()
    assert bus.subscriber_count() == 0


async def test_iterating_subscriber_closes_when_cancelled():
    bus = InProcessBus()
    sub = bus.subscribe("t")
    got = []

    async def consume():
        async for event in sub:
            got.append(event)

    task = asyncio.create_task(consume())
    await bus.publish(Event("t", {"n": 1}))
    await eventually(lambda: got)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert bus.subscriber_count() == 0


def test_event_json_round_trip():
    event = Event("mediation.case.updated", {"case_id": 3, "note": "调解"})
    assert Event.from_json(event.to_json()) == event


def test_make_bus_picks_backend_from_settings():
    assert type(make_bus(Settings(LASTMILE_REDIS_URL=None))) is InProcessBus
    bus = make_bus(Settings(LASTMILE_REDIS_URL="redis://127.0.0.1:6379/3"))
    assert isinstance(bus, RedisBus) and bus.channel == "lastmile:3:events"


def test_channel_from_url():
    assert split_url("redis://h:6379/0") == ("redis://h:6379/0", "lastmile:0:events")
    assert split_url("redis://h:6379") == ("redis://h:6379", "lastmile:0:events")
    assert split_url("redis://:pw@h/2?channel=prod&socket_timeout=3") == (
        "redis://:pw@h/2?socket_timeout=3",
        "prod",
    )


# ------------------------------------------------------------------ Redis


def _url(channel: str) -> str:
    sep = "&" if "?" in REDIS_URL else "?"
    return f"{REDIS_URL}{sep}channel={channel}"


@pytest.fixture
async def redis_pair():
    """Two started buses on one fresh channel: two server processes, as far as Redis can tell."""
    url = _url(f"lastmile-test-{uuid.uuid4().hex}")
    a, b = RedisBus(url), RedisBus(url)
    await a.start()
    await b.start()
    yield a, b
    await a.stop()
    await b.stop()


async def _numsub(channel: str) -> int:
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        return dict(await client.pubsub_numsub(channel))[channel.encode()]
    finally:
        await client.aclose()


@needs_redis
async def test_event_published_on_one_bus_reaches_subscribers_of_both(redis_pair):
    a, b = redis_pair
    on_a, on_b = a.subscribe("notification.added"), b.subscribe("notification.added")
    other_topic = a.subscribe("something.else")
    await b.publish(Event("notification.added", {"user_id": 7, "notification_id": 1}))
    got_a = await asyncio.wait_for(on_a.queue.get(), 3)
    got_b = await asyncio.wait_for(on_b.queue.get(), 3)
    assert got_a == got_b == Event("notification.added", {"user_id": 7, "notification_id": 1})
    await asyncio.sleep(0.2)
    # Exactly once each: the publisher's own subscribers get it from memory, and skip it when Redis echoes it.
    assert on_a.queue.empty() and on_b.queue.empty() and other_topic.queue.empty()


@needs_redis
async def test_one_pubsub_connection_per_bus_whatever_the_subscribers(redis_pair):
    a, b = redis_pair
    subs = [a.subscribe("t") for _ in range(5)] + [b.subscribe(f"t{i}") for i in range(5)]
    assert await _numsub(a.channel) == 2
    for sub in subs:
        sub.close()
    await a.stop()
    await b.stop()
    assert a._reader is None and b._reader is None
    assert await _numsub(a.channel) == 0


@needs_redis
async def test_remote_flood_to_unread_subscriber_stays_bounded(redis_pair):
    a, b = redis_pair
    a.queue_size = 5
    sub = a.subscribe("t")
    started = time.perf_counter()
    for i in range(50):
        await b.publish(Event("t", {"n": i}))
    assert time.perf_counter() - started < 2
    await eventually(lambda: sub.queue.qsize() == 5 and sub.dropped == 45)
    assert sub.queue._queue[-1].data["n"] == 49
    sub.close()
    assert a.subscriber_count() == 0


@needs_redis
async def test_reader_reconnects_after_losing_its_connection(redis_pair):
    import redis.asyncio as aioredis

    a, b = redis_pair
    sub = a.subscribe("t")
    admin = aioredis.from_url(REDIS_URL)
    try:
        clients = await admin.client_list()
        (victim,) = [c for c in clients if c.get("name") == a.client_name]
        await admin.client_kill_filter(_id=victim["id"])
    finally:
        await admin.aclose()
    await eventually(lambda: not a.connected, 10)
    await eventually(lambda: a.connected, 10)
    await b.publish(Event("t", {"n": 1}))
    assert (await asyncio.wait_for(sub.queue.get(), 3)).data == {"n": 1}
    # Malformed messages on the channel are ignored, not fatal.
    admin = aioredis.from_url(REDIS_URL)
    try:
        await admin.publish(a.channel, "not json")
    finally:
        await admin.aclose()
    await b.publish(Event("t", {"n": 2}))
    assert (await asyncio.wait_for(sub.queue.get(), 3)).data == {"n": 2}
    sub.close()


async def test_unreachable_redis_does_not_stop_the_process(monkeypatch):
    """Startup goes on after a short wait; events still reach this process's subscribers."""
    monkeypatch.setattr(redis_bus, "START_TIMEOUT", 0.3)
    bus = RedisBus("redis://127.0.0.1:1/0?channel=nowhere")
    started = time.perf_counter()
    await bus.start()
    try:
        assert time.perf_counter() - started < 3
        assert not bus.connected
        sub = bus.subscribe("t")
        await bus.publish(Event("t", {"n": 1}))
        assert sub.queue.get_nowait().data == {"n": 1}
    finally:
        await bus.stop()
    assert bus._reader is None
