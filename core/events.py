"""The event bus: changes pushed to subscribers, in this process or across processes.

Mutations call :func:`emit`; the event is held until the mutation's
transaction commits (core.api.mutation) and then published, so a rolled-back
change publishes nothing. Subscribers get a bounded queue each: a slow or
vanished client loses its oldest events instead of blocking publishers or
growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field

log = logging.getLogger("lastmile.events")

QUEUE_SIZE = 100


@dataclass(frozen=True)
class Event:
    """Something that happened. ``topic`` is dotted (``notification.added``,
    ``mediation.case.updated``); ``data`` must be JSON-serialisable."""

    topic: str
    data: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        obj = json.loads(raw)
        return cls(topic=obj["topic"], data=obj.get("data") or {})


def emit(context, topic: str, **data) -> None:
    """Queue an event for publication after the current mutation commits."""
    context.pending_events.append(Event(topic, data))


class Subscription:
    """One subscriber's bounded queue of events on one topic."""

    def __init__(self, bus: InProcessBus, topic: str, maxsize: int):
        self.bus = bus
        self.topic = topic
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0
        self.closed = False

    def offer(self, event: Event) -> None:
        if self.queue.full():
            # Drop the oldest: the publisher must never wait on a slow client.
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("subscriber on %s too slow: %d event(s) dropped", self.topic, self.dropped)
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        try:
            while True:
                yield await self.queue.get()
        finally:
            self.close()

    def close(self) -> None:
        """Stop receiving; idempotent. Also frees the queued events."""
        if self.closed:
            return
        self.closed = True
        self.bus._remove(self)
        while not self.queue.empty():
            self.queue.get_nowait()


class InProcessBus:
    """Delivers events to subscribers of this process only (the embedded default).

    The interface every backend offers: ``subscribe(topic)`` -> :class:`Subscription`,
    ``await publish(event)``, ``await start()`` / ``await stop()`` (the app's
    lifespan), ``subscriber_count(topic=None)``. Other backends (core.redis_bus)
    subclass this one and reuse its local fan-out through :meth:`deliver`.
    """

    def __init__(self, queue_size: int = QUEUE_SIZE):
        self.queue_size = queue_size
        self._subs: dict[str, set[Subscription]] = {}
        # In-process handlers of one topic (e.g. the viewer cache), called on delivery; not subscribers.
        self._taps: dict[str, list] = {}

    def tap(self, topic: str, handler) -> None:
        """Call ``handler(event)`` for every event of ``topic`` delivered here (local or from
        other processes); it must be quick and must not raise."""
        if handler not in self._taps.setdefault(topic, []):
            self._taps[topic].append(handler)

    def subscribe(self, topic: str) -> Subscription:
        sub = Subscription(self, topic, self.queue_size)
        self._subs.setdefault(topic, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.topic]

    def subscriber_count(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self._subs.get(topic, ()))
        return sum(len(s) for s in self._subs.values())

    def deliver(self, event: Event) -> None:
        """Hand ``event`` to this process's subscribers of its topic; never blocks."""
        for handler in self._taps.get(event.topic, ()):
            handler(event)
        for sub in list(self._subs.get(event.topic, ())):
            sub.offer(event)

    async def publish(self, event: Event) -> None:
        self.deliver(event)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
