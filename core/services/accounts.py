"""Sign-in, accounts and role grants."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from core import models as m
from core.audit import record
from core.auth import (
    PasswordWorkBusy,
    hash_password,
    hash_password_off_loop,
    issue_token,
    verify_password_off_loop,
)
from core.enums import AreaLevel
from core.errors import Code, Field, UserFailure
from core.ids import gid_of
from core.integrity import refusing, violates
from core.login_limits import ACCOUNT, ADDRESS, client_address, limiter_for
from core.password_policy import WeakPassword, check_password
from core.services.guards import find_pk, require
from core.validation import unstorable_text
from core.viewer_cache import viewer_changed

# ---------------------------------------------------------------- what the services are given
#
# Parsed once at the API edge (core.api.inputs): ids decoded (None: not given, 0: given but
# naming nothing, answered NOT_FOUND), names trimmed, bounded and storable, the password
# storable and not over MAX_PASSWORD (its strength is judged here, against the names).


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    password: str
    resident_id: int | None = None
    area_id: int | None = None


@dataclass(frozen=True)
class Grant:
    user_id: int
    role: str
    area_id: int


def _wrong() -> UserFailure:
    return UserFailure("Wrong username or password.", Code.INVALID_CREDENTIALS, "password")


def _busy() -> UserFailure:
    return UserFailure(
        "The server is busy with other sign-ins; try again in a few seconds.", Code.RATE_LIMITED, []
    )


def _locked(kind: str, seconds: int) -> UserFailure:
    if kind == ACCOUNT:
        return UserFailure(
            f"Too many failed sign-ins; try again in {seconds} seconds.", Code.RATE_LIMITED, "username"
        )
    return UserFailure(
        f"Too many failed sign-ins from your network; try again in {seconds} seconds.", Code.RATE_LIMITED, []
    )


async def login(context, username: str, password: str):
    """Sign in: (token, expiry, user), or a UserFailure (wrong password, locked, busy).

    Runs outside the mutation transaction on purpose: each attempt is counted
    (committed) before its password is checked, so parallel guesses see each
    other (core.login_limits), and no database connection is held while
    argon2 runs or waits for a slot.
    """
    settings = context.runtime.settings
    username = username.strip()
    if unstorable_text(username) or unstorable_text(password):
        # No account can have such a name or password; never let it reach the database.
        raise _wrong()
    limiter = limiter_for(context.runtime)
    address = await limiter.reserve(ADDRESS, client_address(context.request, settings))
    if address.attempts > limiter.limit(ADDRESS):
        await limiter.give_back(address)
        raise _locked(ADDRESS, address.seconds_left())
    account = await limiter.reserve(ACCOUNT, username)
    if account.attempts > limiter.limit(ACCOUNT):
        await limiter.give_back(account)
        await limiter.give_back(address)
        raise _locked(ACCOUNT, account.seconds_left())
    try:
        user = await m.User.get_or_none(username=username)
        # Unknown names cost the same argon2 verification, so timing does not tell which names exist.
        ok = await verify_password_off_loop(user.password_hash if user else _DUMMY_HASH, password, settings)
    except PasswordWorkBusy:
        await limiter.give_back(account)
        await limiter.give_back(address)
        raise _busy() from None
    except Exception:
        # Not checked (a database error): the attempt must not count as a failure. A cancelled
        # attempt (client gone) stays counted: dropping connections must not buy free guesses.
        await limiter.give_back(account)
        await limiter.give_back(address)
        raise
    if user is None or not ok or not user.is_active:
        locked = await limiter.failed(account, ACCOUNT)
        await limiter.failed(address, ADDRESS)
        if user is not None:
            # A failed guess must leave a trace.
            await record(context, "login.failed", gid_of(user), detail="locked" if locked else None)
        raise _wrong()
    await limiter.clear(account)
    await limiter.give_back(address)
    await record(context, "login", gid_of(user), actor_id=user.id)
    token, expires = issue_token(user, settings)
    return token, expires, user


_DUMMY_HASH = hash_password("not-a-real-password")


def _policy(password: str, username: str, display_name: str, settings, field: Field) -> None:
    try:
        check_password(password, username, min_score=settings.password_min_score, other_names=(display_name,))
    except WeakPassword as weak:
        raise UserFailure(str(weak), Code.WEAK_PASSWORD, field) from None


async def _home_area(context, data: NewUser) -> m.Area | None:
    viewer = context.viewer
    if data.area_id is not None:
        area = await find_pk(viewer, m.Area, data.area_id, "areaId", "Area")
        require(viewer, "user.manage", area, "areaId")
        return area
    roots = viewer.scope("user.manage").roots
    if viewer.is_superuser:
        return None
    if len(roots) == 1:
        return await m.Area.get(id=roots[0][1])
    raise UserFailure("Say in which area the account is managed (areaId).", Code.INVALID_INPUT, "areaId")


async def create_user(context, data: NewUser) -> m.User:
    viewer = context.viewer
    require(viewer, "user.manage", None, "")
    username, display = data.username, data.display_name
    _policy(data.password, username, display, context.runtime.settings, "password")
    resident = None
    if data.resident_id is not None:
        resident = await find_pk(viewer, m.Resident, data.resident_id, "residentId", "Resident")
        require(viewer, "user.manage", resident, "residentId")
        if await m.User.filter(resident_id=resident.id).exists():
            raise _has_account()
        home = await m.Area.get(id=resident.community_id)
    else:
        home = await _home_area(context, data)
    taken = UserFailure(f"Username {username!r} is taken.", Code.DUPLICATE, "username")
    if await m.User.filter(username=username).exists():
        raise taken
    try:
        password_hash = await hash_password_off_loop(data.password, context.runtime.settings)
    except PasswordWorkBusy:
        raise _busy() from None
    # UNIQUE username and UNIQUE resident_id behind the checks: a twin created meanwhile reads the same.
    try:
        user = await refusing(
            lambda: m.User.create(
                username=username,
                display_name=display,
                password_hash=password_hash,
                resident=resident,
                home_area=home,
            ),
            taken,
            ("username",),
        )
    except IntegrityError as exc:
        if violates(exc, ("resident_id",)):
            raise _has_account() from None
        raise
    if resident is not None:
        await m.RoleGrant.create(user=user, role="resident", area_id=resident.community_id)
    await record(context, "createUser", gid_of(user))
    return user


def _has_account() -> UserFailure:
    return UserFailure("This resident already has an account.", Code.DUPLICATE, "residentId")


async def _grant_target(context, data: Grant) -> tuple[m.User, str, m.Area]:
    viewer = context.viewer
    user = await find_pk(viewer, m.User, data.user_id, "userId", "User")
    area = await find_pk(viewer, m.Area, data.area_id, "areaId", "Area")
    require(viewer, "user.manage", area, "areaId")
    registry = context.host.registry
    role = registry.get(data.role)
    if role is None:
        raise UserFailure(f"No role named {data.role!r}; see Query.roles.", Code.NOT_FOUND, "role")
    if not viewer.is_superuser:
        # Nobody hands out more than they hold there.
        missing = [p for p in registry.expand(role) if not viewer.can(p, area)]
        if missing:
            raise UserFailure(
                f"You cannot grant {role.name}: you lack {', '.join(sorted(missing))} here.",
                Code.FORBIDDEN,
                "role",
            )
    return user, role.name, area


async def grant_role(context, data: Grant) -> m.User:
    user, role, area = await _grant_target(context, data)
    # The account row is locked (PostgreSQL; by id, without the policy's outer join): grants to one
    # account queue, so "the area of its first grant" below is the grant that really came first.
    await m.User.filter(id=user.id).select_for_update().first()
    held = UserFailure("The user already holds this role there.", Code.DUPLICATE, "role")
    if await m.RoleGrant.filter(user_id=user.id, role=role, area_id=area.id).exists():
        raise held
    # UNIQUE (user_id, role, area_id) behind the check.
    await refusing(
        lambda: m.RoleGrant.create(user=user, role=role, area=area), held, ("user_id", "role", "area_id")
    )
    if user.home_area_id is None and not user.is_superuser:
        # An account made without an area (by a superuser) becomes an account of the
        # area of its first grant, so that the user managers there can administer it:
        # set only while still unset, so a second grant never moves it.
        await m.User.filter(id=user.id, home_area_id__isnull=True).update(home_area_id=area.id)
        await user.refresh_from_db(fields=["home_area_id"])
    await record(context, "grantRole", gid_of(user), detail=f"{role}@{gid_of(area)}")
    return user


async def revoke_role(context, data: Grant) -> m.User:
    user, role, area = await _grant_target(context, data)
    deleted = await m.RoleGrant.filter(user_id=user.id, role=role, area_id=area.id).delete()
    viewer_changed(user.id)  # a queryset delete sends no signal to the viewer cache
    if not deleted:
        raise UserFailure("The user does not hold this role there.", Code.NOT_FOUND, "role")
    await record(context, "revokeRole", gid_of(user), detail=f"{role}@{gid_of(area)}")
    return user


async def set_user_active(context, user_id: int, active: bool) -> m.User:
    viewer = context.viewer
    user = await find_pk(viewer, m.User, user_id, "userId", "User")
    if user.home_area_id is None and not viewer.is_superuser:
        raise UserFailure("Only a superuser may change this account.", Code.FORBIDDEN, "userId")
    if user.home_area_id is not None:
        home = await m.Area.get(id=user.home_area_id)
        require(viewer, "user.manage", home, "userId")
    if user.id == viewer.user_id and not active:
        raise UserFailure("You cannot deactivate yourself.", Code.INVALID_INPUT, "userId")
    user.is_active = active
    await user.save(update_fields=["is_active"])
    await record(context, "setUserActive", gid_of(user), detail=str(active))
    return user


def district_of(area: m.Area) -> int | None:
    return area.district_ref if area.level != AreaLevel.DISTRICT else area.id
