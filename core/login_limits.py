"""How many sign-ins an account name and a client address may fail, counted atomically.

An attempt is **reserved before its password is checked**: one atomic
statement (PostgreSQL/SQLite ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``,
or a Redis script when ``LASTMILE_REDIS_URL`` is set) adds it to the count
and returns the new count, committed at once. Parallel guesses therefore see
each other: with a limit of 5 at most 5 of 30 simultaneous guesses are ever
verified, and every attempt after them, the right password included, is
refused until the window passes. The count is "failed plus in-flight"
attempts:

- a failed attempt keeps its reservation; the one that reaches the limit
  starts the lock-out (the window then ends ``LASTMILE_LOGIN_LOCK_SECONDS``
  after it);
- a successful sign-in clears the account's count and gives its reservation
  back to the address (it does not clear the address: signing in to one's own
  account must not wipe the failures a client made against other accounts);
- an attempt refused before verification gives its reservations back.

Counts live in Redis when it is configured (shared by every instance, gone
when they expire), else in ``core_login_attempt`` (shared by every instance
through the database). If Redis fails, the database takes over for that
attempt: a broken Redis must neither lock everybody out nor lift the limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import time
import weakref
from dataclasses import dataclass

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from tortoise.connection import connections

from core.settings import Settings

log = logging.getLogger("lastmile.login")

ACCOUNT = "account"
ADDRESS = "address"

# Expired rows are deleted every so many reservations (per process).
_SWEEP_EVERY = 256


def now_ms() -> int:
    return int(time.time() * 1000)


def subject_key(kind: str, value: str) -> str:
    """A fixed-length key: attempted usernames are not stored in clear (nor can they be huge)."""
    digest = hashlib.sha256(f"{kind}\0{value}".encode("utf-8", "surrogatepass")).hexdigest()[:48]
    return f"{kind}:{digest}"


@dataclass
class Count:
    """One subject's count after this attempt was added, and when its window ends."""

    key: str
    attempts: int
    expires_at_ms: int
    backend: object

    def seconds_left(self) -> int:
        return max(1, -(-(self.expires_at_ms - now_ms()) // 1000))


class DatabaseCounts:
    """Counts in ``core_login_attempt``; one statement per step, outside any transaction."""

    def __init__(self):
        self._reservations = 0

    @staticmethod
    def _sql(sql: str) -> tuple[object, str]:
        conn = connections.get("default")
        if conn.capabilities.dialect != "postgres":
            # The same statements, with SQLite's placeholders.
            for n in range(9, 0, -1):
                sql = sql.replace(f"${n}", "?")
        return conn, sql

    async def reserve(self, key: str, window_ms: int) -> Count:
        now = now_ms()
        # Atomic on both databases: the row is created or counted up in one statement, and a window
        # that has run out starts again at 1. PostgreSQL serialises concurrent upserts of one row.
        conn, sql = self._sql(
            "INSERT INTO core_login_attempt (subject, failures, expires_at_ms) VALUES ($1, 1, $2) "
            "ON CONFLICT (subject) DO UPDATE SET "
            "failures = CASE WHEN core_login_attempt.expires_at_ms <= $3 THEN 1 "
            "ELSE core_login_attempt.failures + 1 END, "
            "expires_at_ms = CASE WHEN core_login_attempt.expires_at_ms <= $3 THEN excluded.expires_at_ms "
            "ELSE core_login_attempt.expires_at_ms END "
            "RETURNING failures, expires_at_ms"
        )
        params = (
            [key, now + window_ms, now]
            if conn.capabilities.dialect == "postgres"
            else [key, now + window_ms, now, now]
        )
        rows = await conn.execute_query_dict(sql, params)
        self._reservations += 1
        if self._reservations % _SWEEP_EVERY == 0:
            await self.sweep()
        row = rows[0]
        return Count(key, int(row["failures"]), int(row["expires_at_ms"]), self)

    async def give_back(self, key: str) -> None:
        conn, sql = self._sql(
            "UPDATE core_login_attempt SET failures = failures - 1 WHERE subject = $1 AND failures > 0"
        )
        await conn.execute_query(sql, [key])

    async def clear(self, key: str) -> None:
        conn, sql = self._sql("DELETE FROM core_login_attempt WHERE subject = $1")
        await conn.execute_query(sql, [key])

    async def lock(self, key: str, limit: int, lock_ms: int) -> None:
        """Start the lock-out now if the count has reached the limit."""
        conn, sql = self._sql(
            "UPDATE core_login_attempt SET expires_at_ms = $1 WHERE subject = $2 AND failures >= $3"
        )
        await conn.execute_query(sql, [now_ms() + lock_ms, key, limit])

    async def sweep(self) -> None:
        conn, sql = self._sql("DELETE FROM core_login_attempt WHERE expires_at_ms < $1")
        await conn.execute_query(sql, [now_ms()])


# INCR and the first EXPIRE in one step, so a key can never be left without an expiry.
_RESERVE = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
return 0
"""
_LOCK = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n
"""


class RedisCounts:
    """Counts as Redis keys with an expiry (INCR + PEXPIRE in one Lua script)."""

    def __init__(self, url: str):
        from core.redis_bus import split_url

        clean, channel = split_url(url)
        # Keys beside the bus channel's name: deployments (and test runs) sharing a Redis stay apart.
        self.prefix = (channel.removesuffix(":events") or "lastmile") + ":login:"
        # Short timeouts: a frozen Redis must not hold sign-ins; the database takes over instead.
        self.client = aioredis.from_url(
            clean, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        self._reserve = self.client.register_script(_RESERVE)
        self._give_back = self.client.register_script(_GIVE_BACK)
        self._lock = self.client.register_script(_LOCK)

    async def reserve(self, key: str, window_ms: int) -> Count:
        attempts, ttl = await self._reserve(keys=[self.prefix + key], args=[window_ms])
        return Count(key, int(attempts), now_ms() + int(ttl), self)

    async def give_back(self, key: str) -> None:
        await self._give_back(keys=[self.prefix + key])

    async def clear(self, key: str) -> None:
        await self.client.delete(self.prefix + key)

    async def lock(self, key: str, limit: int, lock_ms: int) -> None:
        await self._lock(keys=[self.prefix + key], args=[limit, lock_ms])

    async def close(self) -> None:
        await self.client.aclose()


_REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
REDIS_TIMEOUT = 1.5
# After a Redis failure the database counts for this long, so a frozen Redis costs one
# timeout every so often rather than one per sign-in.
REDIS_RETRY_AFTER_MS = 5000


class AttemptLimiter:
    """The per-account and per-address limits of one app (see the module's docstring)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.database = DatabaseCounts()
        self.redis = RedisCounts(settings.redis_url) if settings.redis_url else None
        self._redis_down_until_ms = 0

    @property
    def window_ms(self) -> int:
        return self.settings.login_lock_seconds * 1000

    async def reserve(self, kind: str, value: str) -> Count:
        key = subject_key(kind, value)
        if self.redis is not None and now_ms() >= self._redis_down_until_ms:
            try:
                return await self.redis.reserve(key, self.window_ms)
            except _REDIS_ERRORS as exc:
                self._redis_down_until_ms = now_ms() + REDIS_RETRY_AFTER_MS
                log.warning("login limits: Redis unavailable (%s); counting in the database", exc)
        return await self.database.reserve(key, self.window_ms)

    def limit(self, kind: str) -> int:
        s = self.settings
        return s.login_max_failures if kind == ACCOUNT else s.login_max_failures_per_address

    async def give_back(self, count: Count) -> None:
        await self._safely(count, "give_back", count.key)

    async def clear(self, count: Count) -> None:
        await self._safely(count, "clear", count.key)

    async def failed(self, count: Count, kind: str) -> bool:
        """Record that the reserved attempt failed; True when it started the lock-out."""
        limit = self.limit(kind)
        if count.attempts >= limit:
            await self._safely(count, "lock", count.key, limit, self.window_ms)
        return count.attempts == limit

    async def _safely(self, count: Count, step: str, *args) -> None:
        try:
            await getattr(count.backend, step)(*args)
        except _REDIS_ERRORS as exc:
            log.warning("login limits: Redis unavailable (%s); %s skipped", exc, step)

    async def forget_account(self, username: str) -> None:
        """Lift an account's lock-out (``lastmile create-admin`` resets a locked superuser)."""
        key = subject_key(ACCOUNT, username)
        await self.database.clear(key)
        if self.redis is not None:
            try:
                await self.redis.clear(key)
            except _REDIS_ERRORS as exc:
                log.warning("login limits: Redis unavailable (%s); its count stays until it expires", exc)


_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def limiter_for(runtime) -> AttemptLimiter:
    """One limiter (and Redis connection) per app, made on its first sign-in."""
    key = runtime.schema  # the Runtime dataclass is unhashable; its schema is one per app
    limiter = _limiters.get(key)
    if limiter is None:
        limiter = _limiters[key] = AttemptLimiter(runtime.settings)
    return limiter


# --- client address -------------------------------------------------------------------------------


def _networks(settings: Settings) -> tuple:
    raw = settings.trusted_proxies
    cached = _network_cache.get(raw)
    if cached is None:
        nets = []
        for part in raw.split(","):
            part = part.strip()
            if part:
                try:
                    nets.append(ipaddress.ip_network(part, strict=False))
                except ValueError:
                    log.warning("LASTMILE_TRUSTED_PROXIES: %r is not an address or network; ignored", part)
        cached = _network_cache[raw] = tuple(nets)
    return cached


_network_cache: dict[str, tuple] = {}


def _ip(value: str):
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(ip, nets) -> bool:
    return ip is not None and any(ip.version == n.version and ip in n for n in nets)


def client_address(request, settings: Settings) -> str:
    """Who is signing in, as far as the limits are concerned.

    The peer of the connection (the ASGI ``client``), unless that peer is a
    proxy listed in ``LASTMILE_TRUSTED_PROXIES``: then the nearest address in
    ``X-Forwarded-For`` (read from the right) that is not itself a trusted
    proxy. Entries further left are written by the client and never believed.
    An IPv6 client counts as its /64 network, which one subscriber usually holds whole.
    """
    client = getattr(request, "client", None)
    peer = client.host if client else ""
    nets = _networks(settings)
    ip = _ip(peer)
    if nets and _is_trusted(ip, nets):
        headers = getattr(request, "headers", None)
        forwarded = ",".join(headers.getlist("x-forwarded-for")) if headers is not None else ""
        for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
            hop_ip = _ip(hop)
            if hop_ip is None:
                break  # garbage: believe no further
            ip = hop_ip
            if not _is_trusted(hop_ip, nets):
                break
    if ip is None:
        return peer or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
