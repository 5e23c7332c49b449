"""Passwords, tokens and who the viewer is."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core import models as m
from core.enums import LEVELS, ResidentStatus, lineage_column
from core.ids import canonical_int
from core.permissions import Grant, RoleRegistry, Viewer
from core.settings import Settings

_hasher = PasswordHasher()
ALGORITHM = "HS256"
ISSUER = "lastmile"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class PasswordWorkBusy(Exception):
    """Every argon2 slot stayed taken for the whole wait: the caller answers RATE_LIMITED."""


class PasswordWork:
    """argon2 off the event loop: a thread pool, at most ``concurrency`` jobs at once.

    argon2 takes tens to hundreds of milliseconds of CPU on purpose; on the
    event loop every other request would wait for it. argon2-cffi releases the
    GIL while it hashes, so threads keep the loop free. The semaphore keeps the
    pool's queue empty: a job waits at most ``wait_seconds`` for a slot and is
    then refused (:class:`PasswordWorkBusy`), so a flood of sign-ins cannot
    queue without bound.
    """

    def __init__(self, concurrency: int, wait_seconds: float):
        self.concurrency = concurrency
        self.wait_seconds = wait_seconds
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="lastmile-argon2")
        self._slots = asyncio.Semaphore(concurrency)

    async def run(self, fn, *args):
        if self._slots.locked():
            try:
                async with asyncio.timeout(self.wait_seconds):
                    await self._slots.acquire()
            except TimeoutError:
                raise PasswordWorkBusy from None
        else:
            await self._slots.acquire()
        loop = asyncio.get_running_loop()
        job = self._pool.submit(fn, *args)
        # The slot is freed when the thread is done, not when the caller stops waiting:
        # a cancelled request (client gone) must not let more hashes run than allowed.
        job.add_done_callback(lambda _: _call_soon(loop, self._slots.release))
        return await asyncio.wrap_future(job)


def _call_soon(loop, callback) -> None:
    try:
        loop.call_soon_threadsafe(callback)
    except RuntimeError:  # the loop closed while the thread ran (shutdown): nothing to free
        pass


_work: dict[tuple[int, float], PasswordWork] = {}


def password_work(settings: Settings) -> PasswordWork:
    """The process's argon2 pool for these settings (one per distinct size and wait)."""
    key = (settings.password_hash_concurrency, settings.password_hash_wait_seconds)
    work = _work.get(key)
    if work is None:
        work = _work[key] = PasswordWork(*key)
    return work


async def hash_password_off_loop(password: str, settings: Settings) -> str:
    return await password_work(settings).run(hash_password, password)


async def verify_password_off_loop(password_hash: str, password: str, settings: Settings) -> bool:
    return await password_work(settings).run(verify_password, password_hash, password)


def issue_token(user: m.User, settings: Settings) -> tuple[str, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=settings.token_ttl_minutes)
    claims = {"sub": str(user.id), "iat": now, "exp": expires, "iss": ISSUER}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), expires


# Tokens already verified -> (user id, expiry): checking a signature costs more than the rest of
# a small compiled read (docs/performance.md); the expiry is still checked on every use.
_VERIFIED: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
_VERIFIED_MAX = 4096


def user_id_from_token(token: str, settings: Settings) -> int | None:
    key = (token, settings.secret_key)
    known = _VERIFIED.get(key)
    if known is not None:
        if known[1] > time.time():
            return known[0]
        _VERIFIED.pop(key, None)
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except (jwt.PyJWTError, ValueError, KeyError):
        return None
    # Only an id a row can have: a sub past the id column's range would reach the driver as an overflow.
    user_id = canonical_int(str(claims["sub"]))
    if user_id is not None and isinstance(claims.get("exp"), int | float):
        _VERIFIED[key] = (user_id, float(claims["exp"]))
        while len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.popitem(last=False)
    return user_id


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def viewer_for_user(user: m.User | None, registry: RoleRegistry) -> Viewer:
    """Load a user's grants (one query) and resident link into a Viewer."""
    if user is None or not user.is_active:
        return Viewer(registry=registry)
    grants = []
    for g in await m.RoleGrant.filter(user_id=user.id).select_related("area"):
        area = g.area
        lineage = tuple(getattr(area, lineage_column(lv)) for lv in LEVELS[: LEVELS.index(area.level)])
        grants.append(
            Grant(role=g.role, area_id=area.id, level=area.level, lineage=tuple(i for i in lineage if i))
        )
    viewer = Viewer(user=user, is_superuser=user.is_superuser, grants=grants, registry=registry)
    if user.resident_id:
        resident = await m.Resident.get_or_none(id=user.resident_id)
        if resident is not None:
            viewer.attach_resident(
                resident.id,
                resident.unit_id,
                tuple(v for v in resident.lineage().values() if v),
                lives_here=resident.status == ResidentStatus.ACTIVE,
            )
    return viewer


async def viewer_from_token(
    token: str | None, settings: Settings, registry: RoleRegistry, bus=None
) -> Viewer | None:
    """The viewer a token stands for; an anonymous viewer when no token; None when the token is bad.
    Kept in memory between requests (core.viewer_cache; ``bus`` carries other processes' changes)."""
    if token is None:
        return Viewer(registry=registry)
    user_id = user_id_from_token(token, settings)
    if user_id is None:
        return None

    async def load() -> Viewer | None:
        user = await m.User.get_or_none(id=user_id)
        if user is None or not user.is_active:
            return None
        return await viewer_for_user(user, registry)

    from core.viewer_cache import cached_viewer

    return await cached_viewer(user_id, load, registry, settings.viewer_cache_seconds, bus)
