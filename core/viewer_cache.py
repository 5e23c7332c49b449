"""The viewer of a token, kept in memory between requests.

Loading a viewer costs two SQL statements (the account, its grants with their areas) and
three when the account is a resident's. Every request needs it, so this process keeps what
they return, per user id, for at most ``LASTMILE_VIEWER_CACHE_SECONDS`` (0 turns the cache
off), and forgets a user as soon as their account changes:

- in this process, at once: saving or deleting a ``User`` or ``RoleGrant`` (tortoise
  signals), or a ``Resident`` linked to an account (moving it moves the account's scope);
  changes made with queryset ``update()``/``delete()`` send no signal, so services that
  change accounts that way call :func:`viewer_changed` themselves;
- again after the mutation commits (a request running meanwhile may have read and kept
  the old rows), and in every other process through the event bus (topic
  ``lastmile.viewer.changed``; with Redis, across instances).

The time limit bounds what nothing announces (a change made by another program, or one
whose announcement a Redis outage lost). Inactive or unknown accounts are not kept: their
token is refused after one statement each time.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from tortoise.signals import post_delete, post_save

from core import models as m
from core.events import Event
from core.permissions import Grant, RoleRegistry, Viewer
from core.replica import on_primary

log = logging.getLogger("lastmile.viewer_cache")
TOPIC = "lastmile.viewer.changed"


@dataclass(frozen=True)
class _Entry:
    expires: float
    user: m.User
    is_superuser: bool
    grants: tuple[Grant, ...]
    resident_id: int | None
    resident_unit_id: int | None
    resident_lineage: tuple[int, ...]

    def viewer(self, registry: RoleRegistry) -> Viewer:
        # A fresh Viewer (and copy of the account row) per request: whatever one request sets
        # on them stays its own.
        return Viewer(
            user=copy.copy(self.user),
            is_superuser=self.is_superuser,
            grants=list(self.grants),
            registry=registry,
            resident_id=self.resident_id,
            resident_unit_id=self.resident_unit_id,
            resident_lineage=self.resident_lineage,
        )


class ViewerCache:
    def __init__(self):
        self._entries: dict[int, _Entry] = {}
        self._user_of_resident: dict[int, int] = {}
        # Bumped by every change: a load that began before a change must not store its result.
        self.generation = 0

    def get(self, user_id: int) -> _Entry | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            self.drop(user_id)
            return None
        return entry

    def put(self, viewer: Viewer, ttl: float, generation: int) -> None:
        if ttl <= 0 or generation != self.generation or viewer.user_id is None:
            return
        self._entries[viewer.user_id] = _Entry(
            time.monotonic() + ttl,
            viewer.user,
            viewer.is_superuser,
            tuple(viewer.grants),
            viewer.resident_id,
            viewer.resident_unit_id,
            tuple(viewer.resident_lineage),
        )
        if viewer.resident_id is not None:
            self._user_of_resident[viewer.resident_id] = viewer.user_id

    def drop(self, user_id: int | None = None) -> None:
        """Forget one user, or everyone (``None``)."""
        self.generation += 1
        if user_id is None:
            self._entries.clear()
            self._user_of_resident.clear()
            return
        entry = self._entries.pop(user_id, None)
        if entry is not None and entry.resident_id is not None:
            self._user_of_resident.pop(entry.resident_id, None)

    def user_of_resident(self, resident_id: int) -> int | None:
        return self._user_of_resident.get(resident_id)

    def __len__(self) -> int:
        return len(self._entries)


# One per process: entries hold account facts, not anything of one schema or plugin set.
CACHE = ViewerCache()
# User ids changed by the running mutation, announced once it commits.
_changed: ContextVar[set[int] | None] = ContextVar("lastmile_viewer_changed", default=None)


def viewer_changed(user_id: int | None) -> None:
    """Call after changing a user's account, grants or resident link without ``save()``/``delete()``
    on the model instance (those announce themselves)."""
    if user_id is None:
        return
    CACHE.drop(user_id)
    pending = _changed.get()
    if pending is not None:
        pending.add(user_id)


@contextlib.contextmanager
def collecting():
    """Collect the users a mutation changes (see core.api.mutation)."""
    token = _changed.set(set())
    try:
        yield _changed.get()
    finally:
        _changed.reset(token)


async def announce(bus, user_ids: set[int]) -> None:
    """After commit: forget the users here again and tell the other processes."""
    if not user_ids:
        return
    for user_id in user_ids:
        CACHE.drop(user_id)
    if bus is not None:
        listen(bus)
        await bus.publish(Event(TOPIC, {"user_ids": sorted(user_ids)}))


def listen(bus) -> None:
    """Forget the users other processes announce on ``bus`` (idempotent)."""
    tap = getattr(bus, "tap", None)
    if tap is not None:
        tap(TOPIC, _heard)


def _heard(event: Event) -> None:
    ids = event.data.get("user_ids")
    if not isinstance(ids, list):
        log.warning("ignoring malformed %s event: %r", TOPIC, event.data)
        return
    for user_id in ids:
        if isinstance(user_id, int):
            CACHE.drop(user_id)


async def cached_viewer(user_id: int, load, registry: RoleRegistry, ttl: float, bus=None) -> Viewer | None:
    """The viewer of ``user_id``: from the cache, else ``await load()`` (None: refused, not kept)."""
    if ttl > 0:
        listen(bus)
        entry = CACHE.get(user_id)
        if entry is not None:
            return entry.viewer(registry)
    generation = CACHE.generation
    # From the primary even with a read replica: authorisation never rests on a lagging copy.
    with on_primary():
        viewer = await load()
    if viewer is not None:
        CACHE.put(viewer, ttl, generation)
    return viewer


# ---------------------------------------------------------------- what announces itself


@post_save(m.User)
async def _user_saved(sender, instance, created, using_db, update_fields) -> None:
    viewer_changed(instance.id)


@post_delete(m.User)
async def _user_deleted(sender, instance, using_db) -> None:
    viewer_changed(instance.id)


@post_save(m.RoleGrant)
async def _grant_saved(sender, instance, created, using_db, update_fields) -> None:
    viewer_changed(instance.user_id)


@post_delete(m.RoleGrant)
async def _grant_deleted(sender, instance, using_db) -> None:
    viewer_changed(instance.user_id)


@post_save(m.Resident)
async def _resident_saved(sender, instance, created, using_db, update_fields) -> None:
    viewer_changed(CACHE.user_of_resident(instance.id))


@post_delete(m.Resident)
async def _resident_deleted(sender, instance, using_db) -> None:
    viewer_changed(CACHE.user_of_resident(instance.id))
