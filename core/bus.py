"""Choosing the event-bus backend from settings."""

from __future__ import annotations

from core.events import InProcessBus
from core.settings import Settings


def make_bus(settings: Settings):
    if settings.redis_url:
        from core.redis_bus import RedisBus

        return RedisBus(settings.redis_url, publish_timeout=settings.redis_publish_timeout)
    return InProcessBus()
