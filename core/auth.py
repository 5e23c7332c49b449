"""Passwords, tokens and who the viewer is."""

from __future__ import annotations

import datetime as dt

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core import models as m
from core.enums import LEVELS, lineage_column
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


def issue_token(user: m.User, settings: Settings) -> tuple[str, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=settings.token_ttl_minutes)
    claims = {"sub": str(user.id), "iat": now, "exp": expires, "iss": ISSUER}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM), expires


def user_id_from_token(token: str, settings: Settings) -> int | None:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "sub", "iss"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError, KeyError):
        return None


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
        grants.append(Grant(role=g.role, area_id=area.id, level=area.level, lineage=tuple(i for i in lineage if i)))
    viewer = Viewer(user=user, is_superuser=user.is_superuser, grants=grants, registry=registry)
    if user.resident_id:
        resident = await m.Resident.get_or_none(id=user.resident_id)
        if resident is not None:
            viewer.resident_id = resident.id
            viewer.resident_unit_id = resident.unit_id
            viewer.resident_lineage = tuple(v for v in resident.lineage().values() if v)
    return viewer


async def viewer_from_token(token: str | None, settings: Settings, registry: RoleRegistry,
                            bus=None) -> Viewer | None:
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
