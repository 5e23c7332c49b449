"""The event bus across server processes: Redis pub/sub (LASTMILE_REDIS_URL).

Every process publishes to one Redis channel and keeps one pub/sub connection
on it; a reader task hands what arrives to this process's subscribers through
the same bounded queues as the in-process bus.

This process's own subscribers get an event at once, from memory, whatever
Redis is doing: a stopped or frozen Redis must neither slow a mutation nor
silence local subscribers (issue 10). Publishing to Redis happens off the
request path, in a sender task that sends what has queued up in one pipeline
bounded by ``LASTMILE_REDIS_PUBLISH_TIMEOUT``; each message carries this
process's id, and the reader skips its own messages when they come back.

Delivery to other processes is at most once: an event published while Redis
is unreachable, or that finds the outbox full, never reaches them (the reader
reconnects with back-off; the sender logs once per outage). The channel is ``lastmile:<db>:events`` (the db number of the
URL, since pub/sub ignores databases); deployments sharing one Redis name
their own with ``?channel=...`` in the URL.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from core.events import QUEUE_SIZE, Event, InProcessBus

log = logging.getLogger("lastmile.events.redis")

# How long start() waits for the first subscription before serving anyway
# (the reader keeps retrying in the background).
START_TIMEOUT = 5.0
# The reader wakes at least this often, so a dead connection is noticed by
# the health-check PING rather than hanging forever.
POLL_SECONDS = 5.0
MAX_BACKOFF = 10.0
# Events waiting for the sender; past this the oldest are dropped (other processes miss them).
OUTBOX_SIZE = 1000


def split_url(url: str) -> tuple[str, str]:
    """(URL for redis-py, channel name): ``channel`` is our own query parameter."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    channel = next((v for k, v in query if k == "channel"), None)
    rest = [(k, v) for k, v in query if k != "channel"]
    clean = urlunsplit(parts._replace(query=urlencode(rest)))
    if not channel:
        db = parts.path.strip("/") or next((v for k, v in rest if k == "db"), None) or "0"
        channel = f"lastmile:{db}:events"
    return clean, channel


class RedisBus(InProcessBus):
    """Publishes through Redis; delivers what Redis sends to local subscribers."""

    def __init__(self, url: str, *, queue_size: int = QUEUE_SIZE, publish_timeout: float = 1.0):
        super().__init__(queue_size)
        self.url, self.channel = split_url(url)
        self.publish_timeout = publish_timeout
        self._publisher: aioredis.Redis | None = None
        self._reader: asyncio.Task | None = None
        self._sender: asyncio.Task | None = None
        self._outbox: collections.deque[str] = collections.deque()
        self._outbox_ready = asyncio.Event()
        self._publish_failing = False
        self.lost = 0  # events other processes never got (Redis unreachable, outbox full)
        self._subscribed = asyncio.Event()
        # Names the pub/sub connection in CLIENT LIST, so operators can tell the processes apart;
        # also the origin stamped on every message, so the reader can skip its own.
        self.client_name = f"lastmile-events-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    @property
    def connected(self) -> bool:
        """Whether the pub/sub connection is currently subscribed."""
        return self._subscribed.is_set()

    async def start(self) -> None:
        if self._reader is not None:
            return
        # The sender bounds each pipeline with publish_timeout; the socket timeouts are a second line.
        self._publisher = aioredis.from_url(
            self.url, socket_connect_timeout=self.publish_timeout, socket_timeout=self.publish_timeout
        )
        self._subscribed = asyncio.Event()
        self._outbox_ready = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="lastmile-redis-bus-reader")
        self._sender = asyncio.create_task(self._send(), name="lastmile-redis-bus-sender")
        try:
            await asyncio.wait_for(self._subscribed.wait(), START_TIMEOUT)
        except TimeoutError:
            log.error(
                "Redis at %s is unreachable; live updates from other processes are missing until it is back",
                _safe(self.url),
            )

    async def stop(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            if self._outbox:  # a last, bounded chance for what is queued
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._flush(), self.publish_timeout)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            with contextlib.suppress(RedisError, OSError):
                await publisher.aclose()
        self._subscribed.clear()

    async def publish(self, event: Event) -> None:
        """Deliver here now; queue for the other processes. Never waits on Redis."""
        self.deliver(event)
        if self._sender is None:
            return  # not started (a script, or a test without lifespan): local only
        if len(self._outbox) >= OUTBOX_SIZE:
            self._outbox.popleft()
            self._count_lost(1, "the outbox is full")
        self._outbox.append(
            json.dumps(
                {"origin": self.client_name, "topic": event.topic, "data": event.data}, ensure_ascii=False
            )
        )
        self._outbox_ready.set()

    async def _send(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            try:
                await asyncio.wait_for(self._flush(), self.publish_timeout)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                self._failing(exc)
            except Exception:
                log.exception("Redis bus sender failed")  # never let the sender die

    async def _flush(self) -> None:
        """Send everything queued in one pipeline; what was taken is lost if it fails."""
        while self._outbox:
            batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), 500))]
            try:
                async with self._publisher.pipeline(transaction=False) as pipe:
                    for message in batch:
                        pipe.publish(self.channel, message)
                    await pipe.execute()
            except BaseException:
                self._count_lost(len(batch), None)
                raise
            if self._publish_failing:
                self._publish_failing = False
                log.warning("publishing to Redis works again (%d event(s) lost in all)", self.lost)

    def _failing(self, exc: BaseException) -> None:
        if not self._publish_failing:
            self._publish_failing = True
            log.warning(
                "publishing to Redis at %s failed (%r): other processes miss events until it is back; "
                "this process's subscribers still get them",
                _safe(self.url),
                exc,
            )

    def _count_lost(self, n: int, reason: str | None) -> None:
        self.lost += n
        if reason and (self.lost == n or self.lost % 1000 < n):
            log.warning("%d event(s) not published to Redis: %s", self.lost, reason)

    async def _read(self) -> None:
        backoff = 0.5
        while True:
            client = aioredis.from_url(
                self.url,
                socket_connect_timeout=5,
                socket_keepalive=True,
                health_check_interval=POLL_SECONDS * 3,
                client_name=self.client_name,
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                backoff = 0.5
                log.info("subscribed to Redis channel %s", self.channel)
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
                    if message is not None and message.get("type") == "message":
                        self._deliver_raw(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("Redis pub/sub connection lost (%s); reconnecting in %.1fs", exc, backoff)
            except Exception:
                # Never let the reader die: this process would go deaf silently.
                log.exception("Redis bus reader failed; restarting in %.1fs", backoff)
            finally:
                self._subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _deliver_raw(self, raw) -> None:
        try:
            obj = json.loads(raw)
            if isinstance(obj, dict) and obj.get("origin") == self.client_name:
                return  # ours: delivered locally when published
            event = Event(topic=obj["topic"], data=obj.get("data") or {})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring malformed event on %s: %s", self.channel, exc)
            return
        self.deliver(event)


def _safe(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}:***@" if parts.username else ":***@"
        return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))
    return url
