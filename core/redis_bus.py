"""The event bus across server processes: Redis pub/sub (LASTMILE_REDIS_URL).

Every process publishes to one Redis channel and keeps one pub/sub connection
on it; a reader task hands what arrives to this process's subscribers through
the same bounded queues as the in-process bus. An event published here also
comes back through Redis to this process's own subscribers, so there is one
delivery path.

Delivery is at most once: an event published while a process is disconnected
from Redis never reaches that process's subscribers (the reader reconnects
with back-off). The channel is ``lastmile:<db>:events`` (the db number of the
URL, since pub/sub ignores databases); deployments sharing one Redis name
their own with ``?channel=...`` in the URL.
"""

from __future__ import annotations

import asyncio
import contextlib
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

    def __init__(self, url: str, *, queue_size: int = QUEUE_SIZE):
        super().__init__(queue_size)
        self.url, self.channel = split_url(url)
        self._publisher: aioredis.Redis | None = None
        self._reader: asyncio.Task | None = None
        self._subscribed = asyncio.Event()
        # Names the pub/sub connection in CLIENT LIST, so operators can tell the processes apart.
        self.client_name = f"lastmile-events-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    @property
    def connected(self) -> bool:
        """Whether the pub/sub connection is currently subscribed."""
        return self._subscribed.is_set()

    async def start(self) -> None:
        if self._reader is not None:
            return
        # Short timeouts: a publish runs after a mutation commits, and a Redis
        # outage must not hold the mutation's response for long.
        self._publisher = aioredis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        self._subscribed = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name="lastmile-redis-bus-reader")
        try:
            await asyncio.wait_for(self._subscribed.wait(), START_TIMEOUT)
        except TimeoutError:
            log.error("Redis at %s is unreachable; live updates from other processes are missing until it is back",
                      _safe(self.url))

    async def stop(self) -> None:
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
        if self._publisher is None:
            # Not started (a script, or a test without lifespan): local only.
            self.deliver(event)
            return
        try:
            await self._publisher.publish(self.channel, event.to_json())
        except (RedisError, OSError) as exc:
            if self.connected:
                log.warning("event %s lost: publishing to Redis failed: %s", event.topic, exc)
            else:
                # Redis is down for this process's reader too, so nothing can
                # come back twice: at least this process's subscribers get it.
                log.warning("Redis unavailable (%s); event %s delivered in this process only", exc, event.topic)
                self.deliver(event)

    async def _read(self) -> None:
        backoff = 0.5
        while True:
            client = aioredis.from_url(self.url, socket_connect_timeout=5, socket_keepalive=True,
                                       health_check_interval=POLL_SECONDS * 3, client_name=self.client_name)
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
            event = Event.from_json(raw)
        except (ValueError, KeyError, TypeError) as exc:
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
