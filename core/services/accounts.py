"""Sign-in, accounts and role grants."""

from __future__ import annotations

import datetime as dt
import time

from tortoise.expressions import F

from core import models as m
from core.api.relay import gid_of
from core.audit import record
from core.auth import hash_password, issue_token, verify_password
from core.enums import AREA_TYPE_NAMES, AreaLevel
from core.errors import Code, UserFailure
from core.services.guards import find, require, require_text, storable
from core.validation import unstorable_text
from core.viewer_cache import viewer_changed

MIN_PASSWORD = 8
MAX_PASSWORD = 256  # hashing is deliberately slow; nobody types more

# Failed logins for usernames that do not exist, so probing them is slowed
# down like probing real ones (per process; real accounts are tracked in the DB).
_unknown_failures: dict[str, tuple[int, float]] = {}


def _locked_message(seconds: int) -> UserFailure:
    return UserFailure(f"Too many failed sign-ins; try again in {max(seconds, 1)} seconds.", Code.RATE_LIMITED,
                       ["username"])


async def login(context, username: str, password: str):
    settings = context.runtime.settings
    now = dt.datetime.now(dt.UTC)
    username = username.strip()
    if unstorable_text(username) or unstorable_text(password):
        # No account can have such a name or password; never let it reach the database.
        raise UserFailure("Wrong username or password.", Code.INVALID_CREDENTIALS, ["password"])
    user = await m.User.get_or_none(username=username)
    if user is None:
        count, until = _unknown_failures.get(username, (0, 0.0))
        if until > time.time():
            raise _locked_message(int(until - time.time()))
        verify_password(_DUMMY_HASH, password)  # same cost as a real check
        count += 1
        lock = time.time() + settings.login_lock_seconds if count >= settings.login_max_failures else 0.0
        _unknown_failures[username] = (0 if lock else count, lock)
        if len(_unknown_failures) > 10000:
            _unknown_failures.clear()
        raise UserFailure("Wrong username or password.", Code.INVALID_CREDENTIALS, ["password"])
    if user.locked_until and user.locked_until > now:
        raise _locked_message(int((user.locked_until - now).total_seconds()))
    if not verify_password(user.password_hash, password) or not user.is_active:
        # Counted atomically so parallel guesses cannot slip past the limit.
        await m.User.filter(id=user.id).update(failed_logins=F("failed_logins") + 1)
        await user.refresh_from_db(fields=["failed_logins"])
        locked = user.failed_logins >= settings.login_max_failures
        if locked:
            until = now + dt.timedelta(seconds=settings.login_lock_seconds)
            await m.User.filter(id=user.id).update(locked_until=until, failed_logins=0)
        # Returning (not raising) commits the count and this row: a failed guess must leave a trace.
        await record(context, "login.failed", gid_of(user), detail="locked" if locked else None)
        return None
    if user.failed_logins or user.locked_until:
        await m.User.filter(id=user.id).update(failed_logins=0, locked_until=None)
    await record(context, "login", gid_of(user), actor_id=user.id)
    token, expires = issue_token(user, settings)
    return token, expires, user


_DUMMY_HASH = hash_password("not-a-real-password")


async def _home_area(context, data) -> m.Area | None:
    viewer = context.viewer
    if getattr(data, "area_id", None) is not None:
        area = await find(viewer, m.Area, data.area_id, ["input", "areaId"], *AREA_TYPE_NAMES, what="Area")
        require(viewer, "user.manage", area, ["input", "areaId"])
        return area
    roots = viewer.scope("user.manage").roots
    if viewer.is_superuser:
        return None
    if len(roots) == 1:
        return await m.Area.get(id=roots[0][1])
    raise UserFailure("Say in which area the account is managed (areaId).", Code.INVALID_INPUT, ["input", "areaId"])


async def create_user(context, data) -> m.User:
    viewer = context.viewer
    require(viewer, "user.manage", None, ["input"])
    username = require_text(data.username, ["input", "username"], "username", 64)
    display = require_text(data.display_name, ["input", "displayName"], "displayName", 100)
    storable(data.password, ["input", "password"], "password")
    if len(data.password or "") < MIN_PASSWORD:
        raise UserFailure(f"The password needs at least {MIN_PASSWORD} characters.", "WEAK_PASSWORD",
                          ["input", "password"])
    if len(data.password) > MAX_PASSWORD:
        raise UserFailure(f"The password may be at most {MAX_PASSWORD} characters.", Code.INVALID_INPUT,
                          ["input", "password"])
    resident = None
    if data.resident_id is not None:
        resident = await find(viewer, m.Resident, data.resident_id, ["input", "residentId"], "Resident")
        require(viewer, "user.manage", resident, ["input", "residentId"])
        if await m.User.filter(resident_id=resident.id).exists():
            raise UserFailure("This resident already has an account.", Code.DUPLICATE, ["input", "residentId"])
        home = await m.Area.get(id=resident.community_id)
    else:
        home = await _home_area(context, data)
    if await m.User.filter(username=username).exists():
        raise UserFailure(f"Username {username!r} is taken.", Code.DUPLICATE, ["input", "username"])
    user = await m.User.create(username=username, display_name=display, password_hash=hash_password(data.password),
                               resident=resident, home_area=home)
    if resident is not None:
        await m.RoleGrant.create(user=user, role="resident", area_id=resident.community_id)
    await record(context, "createUser", gid_of(user))
    return user


async def _grant_target(context, data) -> tuple[m.User, str, m.Area]:
    viewer = context.viewer
    user = await find(viewer, m.User, data.user_id, ["input", "userId"], "User")
    area = await find(viewer, m.Area, data.area_id, ["input", "areaId"], *AREA_TYPE_NAMES, what="Area")
    require(viewer, "user.manage", area, ["input", "areaId"])
    registry = context.host.registry
    role = registry.get(data.role)
    if role is None:
        raise UserFailure(f"No role named {data.role!r}; see Query.roles.", Code.NOT_FOUND, ["input", "role"])
    if not viewer.is_superuser:
        # Nobody hands out more than they hold there.
        missing = [p for p in registry.expand(role) if not viewer.can(p, area)]
        if missing:
            raise UserFailure(f"You cannot grant {role.name}: you lack {', '.join(sorted(missing))} here.",
                              Code.FORBIDDEN, ["input", "role"])
    return user, role.name, area


async def grant_role(context, data) -> m.User:
    user, role, area = await _grant_target(context, data)
    if await m.RoleGrant.filter(user_id=user.id, role=role, area_id=area.id).exists():
        raise UserFailure("The user already holds this role there.", Code.DUPLICATE, ["input", "role"])
    await m.RoleGrant.create(user=user, role=role, area=area)
    if user.home_area_id is None and not user.is_superuser:
        # An account made without an area (by a superuser) becomes an account of the
        # area of its first grant, so that the user managers there can administer it.
        user.home_area_id = area.id
        await user.save(update_fields=["home_area_id"])
    await record(context, "grantRole", gid_of(user), detail=f"{role}@{gid_of(area)}")
    return user


async def revoke_role(context, data) -> m.User:
    user, role, area = await _grant_target(context, data)
    deleted = await m.RoleGrant.filter(user_id=user.id, role=role, area_id=area.id).delete()
    viewer_changed(user.id)  # a queryset delete sends no signal to the viewer cache
    if not deleted:
        raise UserFailure("The user does not hold this role there.", Code.NOT_FOUND, ["input", "role"])
    await record(context, "revokeRole", gid_of(user), detail=f"{role}@{gid_of(area)}")
    return user


async def set_user_active(context, user_gid: str, active: bool) -> m.User:
    viewer = context.viewer
    user = await find(viewer, m.User, user_gid, ["userId"], "User")
    if user.home_area_id is None and not viewer.is_superuser:
        raise UserFailure("Only a superuser may change this account.", Code.FORBIDDEN, ["userId"])
    if user.home_area_id is not None:
        home = await m.Area.get(id=user.home_area_id)
        require(viewer, "user.manage", home, ["userId"])
    if user.id == viewer.user_id and not active:
        raise UserFailure("You cannot deactivate yourself.", Code.INVALID_INPUT, ["userId"])
    user.is_active = active
    await user.save(update_fields=["is_active"])
    await record(context, "setUserActive", gid_of(user), detail=str(active))
    return user


def district_of(area: m.Area) -> int | None:
    return area.district_ref if area.level != AreaLevel.DISTRICT else area.id
