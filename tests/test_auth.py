"""Sign-in through the API: tokens, argon2, lock-out after failed logins, refused tokens.

The attack side of sign-in (argon2 off the event loop, one login per request,
atomic per-account and per-address limits, the password policy) is in
tests/test_login_attack.py."""

import datetime as dt

import jwt
import pytest

from core import models as m
from core.app import InsecureConfiguration, create_app
from core.auth import ALGORITHM, ISSUER, issue_token
from core.settings import DEFAULT_SECRET, get_settings
from core.testing import PASSWORD, build_world

LOGIN = """
mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { token expiresAt user { username } userErrors { field message code } }
}"""

ME = "{ me { username isActive roles { role { name } area { name } } } }"


async def login(client, username, password):
    return (await client.data(LOGIN, {"u": username, "p": password}))["login"]


async def test_login_returns_signed_expiring_token(core_client):
    w = await build_world()
    res = await login(core_client, "c1_worker", PASSWORD)
    assert res["userErrors"] == [] and res["user"]["username"] == "c1_worker"
    settings = get_settings()
    claims = jwt.decode(res["token"], settings.secret_key, algorithms=[ALGORITHM], issuer=ISSUER)
    assert claims["sub"] == str(w.users["c1_worker"].id)
    lifetime = claims["exp"] - claims["iat"]
    assert lifetime == settings.token_ttl_minutes * 60
    assert dt.datetime.fromisoformat(res["expiresAt"]).timestamp() == pytest.approx(claims["exp"], abs=1)
    me = await core_client.data(ME, token=res["token"])
    assert me["me"]["username"] == "c1_worker"
    assert me["me"]["roles"] == [{"role": {"name": "community_worker"}, "area": {"name": "三湾街社区"}}]


async def test_passwords_are_argon2_hashes(core_client):
    w = await build_world()
    user = await m.User.get(id=w.users["c1_worker"].id)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    created = await core_client.data(
        """mutation { createUser(input: {username: "new_worker", password: "amber kettle orbit 91", displayName: "New"}) {
             user { username } userErrors { code } } }""",
        token=w.tokens["super"],
    )
    assert created["createUser"]["userErrors"] == []
    stored = await m.User.get(username="new_worker")
    assert stored.password_hash.startswith("$argon2id$") and "amber kettle" not in stored.password_hash
    assert (await login(core_client, "new_worker", "amber kettle orbit 91"))["token"]


async def test_wrong_password_then_lock_then_expiry(core_client, monkeypatch):
    from core import login_limits

    await build_world()
    settings = get_settings()
    limit = settings.login_max_failures
    for _ in range(limit):
        res = await login(core_client, "c1_worker", "wrong password")
        assert res["token"] is None
        assert [e["code"] for e in res["userErrors"]] == ["INVALID_CREDENTIALS"]
    # The failures were counted although each login's answer was a failure: now even the right password is refused.
    res = await login(core_client, "c1_worker", PASSWORD)
    assert res["token"] is None
    assert (
        res["userErrors"][0]["code"] == "RATE_LIMITED" and "try again in" in res["userErrors"][0]["message"]
    )
    seconds = int(res["userErrors"][0]["message"].split("try again in ")[1].split()[0])
    assert settings.login_lock_seconds - 5 <= seconds <= settings.login_lock_seconds
    # Once the lock has run out, the right password works again and resets the count.
    later = login_limits.now_ms() + (settings.login_lock_seconds + 1) * 1000
    monkeypatch.setattr(login_limits, "now_ms", lambda: later)
    res = await login(core_client, "c1_worker", PASSWORD)
    assert res["userErrors"] == [] and res["token"]
    for _ in range(limit - 1):
        await login(core_client, "c1_worker", "wrong password")
    assert (await login(core_client, "c1_worker", PASSWORD))["token"]


async def test_failures_below_the_limit_are_forgotten_after_success(core_client):
    await build_world()
    limit = get_settings().login_max_failures
    for _ in range(limit - 1):
        await login(core_client, "c2_worker", "nope-nope")
    assert (await login(core_client, "c2_worker", PASSWORD))["token"]
    # Without the reset these would add up past the limit.
    for _ in range(limit - 1):
        await login(core_client, "c2_worker", "nope-nope")
    assert (await login(core_client, "c2_worker", PASSWORD))["token"]


async def test_parallel_guesses_cannot_slip_past_the_lock(core_client, on_postgres):
    if not on_postgres:
        pytest.skip("concurrency is proven on PostgreSQL")
    import asyncio

    await build_world()
    limit = get_settings().login_max_failures
    results = await asyncio.gather(*(login(core_client, "c1_grid", f"guess-{i}") for i in range(limit * 3)))
    assert all(r["token"] is None for r in results)
    assert {r["userErrors"][0]["code"] for r in results} <= {"INVALID_CREDENTIALS", "RATE_LIMITED"}
    res = await login(core_client, "c1_grid", PASSWORD)
    assert res["token"] is None and res["userErrors"][0]["code"] == "RATE_LIMITED"
    assert await m.AuditLog.filter(action="login.failed").count() >= limit


async def test_unknown_usernames_are_limited_too(core_client):
    limit = get_settings().login_max_failures
    name = f"ghost-{dt.datetime.now().timestamp()}"
    for _ in range(limit):
        res = await login(core_client, name, "whatever1")
        assert res["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    res = await login(core_client, name, "whatever1")
    assert res["userErrors"][0]["code"] == "RATE_LIMITED"


async def test_unknown_username_lock_expires(core_client, monkeypatch):
    from core import login_limits

    limit = get_settings().login_max_failures
    name = f"phantom-{dt.datetime.now().timestamp()}"
    for _ in range(limit):
        await login(core_client, name, "whatever1")
    assert (await login(core_client, f"  {name} ", "whatever1"))["userErrors"][0]["code"] == "RATE_LIMITED"
    later = login_limits.now_ms() + (get_settings().login_lock_seconds + 1) * 1000
    monkeypatch.setattr(login_limits, "now_ms", lambda: later)
    assert (await login(core_client, name, "whatever1"))["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_expired_and_forged_tokens_are_refused(core_client):
    w = await build_world()
    settings = get_settings()
    user = w.users["c1_worker"]
    now = dt.datetime.now(dt.UTC)
    expired = jwt.encode(
        {
            "sub": str(user.id),
            "iat": now - dt.timedelta(hours=2),
            "exp": now - dt.timedelta(hours=1),
            "iss": ISSUER,
        },
        settings.secret_key,
        algorithm=ALGORITHM,
    )
    forged = jwt.encode(
        {"sub": str(user.id), "iat": now, "exp": now + dt.timedelta(hours=1), "iss": ISSUER},
        "an attacker's guess at the secret key, long enough",
        algorithm=ALGORITHM,
    )
    unsigned = jwt.encode(
        {"sub": str(user.id), "exp": now + dt.timedelta(hours=1), "iss": ISSUER}, None, algorithm="none"
    )
    for token in (expired, forged, unsigned, "not-a-jwt"):
        body = await core_client("{ residents { totalCount } }", token=token, errors_ok=True)
        assert "data" not in body or body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "sign in again" in body["errors"][0]["message"]
        body = await core_client(ME, token=token, errors_ok=True)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # The genuine token still works.
    assert (await core_client.data("{ residents { totalCount } }", token=w.tokens["c1_worker"]))["residents"]


async def test_deactivated_users_token_stops_working(core_client):
    w = await build_world()
    token = w.tokens["c1_worker"]
    assert (await core_client.data(ME, token=token))["me"]["username"] == "c1_worker"
    res = await core_client.data(
        "mutation($id: ID!) { setUserActive(userId: $id, active: false) { user { isActive } userErrors { code } } }",
        {"id": w.gid(w.users["c1_worker"])},
        token=w.tokens["district_admin"],
    )
    assert res["setUserActive"] == {"user": {"isActive": False}, "userErrors": []}
    body = await core_client("{ residents { totalCount } }", token=token, errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Nor can the account sign in again.
    res = await login(core_client, "c1_worker", PASSWORD)
    assert res["token"] is None and res["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_me_is_null_for_anonymous(core_client):
    assert (await core_client.data("{ me { username } }"))["me"] is None


def test_production_refuses_the_default_secret():
    base = get_settings()
    for secret in (DEFAULT_SECRET, "short"):
        with pytest.raises(InsecureConfiguration, match="LASTMILE_SECRET_KEY"):
            create_app(base.model_copy(update={"env": "production", "secret_key": secret}), manage_db=False)
    app = create_app(base.model_copy(update={"env": "production", "secret_key": "x" * 40}), manage_db=False)
    assert app.state.runtime.settings.is_production
    # Development keeps working with the default secret.
    create_app(base.model_copy(update={"env": "development", "secret_key": DEFAULT_SECRET}), manage_db=False)


def test_cli_serve_refuses_the_default_secret(monkeypatch):
    from core import cli

    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("must not serve"))
    settings = get_settings().model_copy(update={"env": "production", "secret_key": DEFAULT_SECRET})
    with pytest.raises(SystemExit, match="LASTMILE_SECRET_KEY"):
        cli.cmd_serve(type("Args", (), {"demo": False, "host": "127.0.0.1", "port": 0})(), settings)


def test_tokens_carry_expiry():
    user = m.User(id=7, username="x")
    token, expires = issue_token(user, get_settings())
    claims = jwt.decode(token, options={"verify_signature": False})
    assert {"sub", "iat", "exp", "iss"} <= set(claims)
    assert abs(claims["exp"] - expires.timestamp()) < 1


GRANT = """mutation($input: GrantRoleInput!) { grantRole(input: $input) {
  user { username roles { role { name } area { name } } } userErrors { field code message } } }"""
REVOKE = """mutation($input: GrantRoleInput!) { revokeRole(input: $input) {
  user { username } userErrors { field code } } }"""


async def test_grants_and_revocations_take_effect_at_once(core_client):
    from core.testing import make_user, token_for

    w = await build_world()
    newbie = await make_user("newbie", home=w.s1)
    token = token_for(newbie)
    count = "{ residents { totalCount } }"
    assert (await core_client.data(count, token=token))["residents"]["totalCount"] == 0
    grant = {"userId": w.gid(newbie), "role": "community_worker", "areaId": w.gid(w.c1)}
    res = await core_client.data(GRANT, {"input": grant}, token=w.tokens["s1_manager"])
    assert res["grantRole"]["userErrors"] == []
    assert res["grantRole"]["user"]["roles"] == [
        {"role": {"name": "community_worker"}, "area": {"name": "三湾街社区"}}
    ]
    assert (await core_client.data(count, token=token))["residents"]["totalCount"] == 2
    again = await core_client.data(GRANT, {"input": grant}, token=w.tokens["s1_manager"])
    assert again["grantRole"]["userErrors"][0]["code"] == "DUPLICATE"
    # Outside the granter's area the area does not exist for them; a role above their own is refused.
    outside = await core_client.data(
        GRANT, {"input": {**grant, "areaId": w.gid(w.c3)}}, token=w.tokens["s1_manager"]
    )
    assert outside["grantRole"]["userErrors"][0]["code"] == "NOT_FOUND"
    admin = await core_client.data(GRANT, {"input": {**grant, "role": "admin"}}, token=w.tokens["s1_manager"])
    assert admin["grantRole"]["userErrors"][0]["code"] == "FORBIDDEN"
    unknown = await core_client.data(
        GRANT, {"input": {**grant, "role": "overlord"}}, token=w.tokens["s1_manager"]
    )
    assert unknown["grantRole"]["userErrors"][0]["code"] == "NOT_FOUND"
    # A community worker cannot hand out roles at all.
    worker = await core_client.data(GRANT, {"input": grant}, token=w.tokens["c1_worker"])
    assert worker["grantRole"]["userErrors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND")
    res = await core_client.data(REVOKE, {"input": grant}, token=w.tokens["s1_manager"])
    assert res["revokeRole"]["userErrors"] == []
    # The same token, no new sign-in: the grant is gone at once.
    assert (await core_client.data(count, token=token))["residents"]["totalCount"] == 0
    res = await core_client.data(REVOKE, {"input": grant}, token=w.tokens["s1_manager"])
    assert res["revokeRole"]["userErrors"][0]["code"] == "NOT_FOUND"
    actions = [r.action for r in await m.AuditLog.filter(actor_id=w.users["s1_manager"].id).order_by("id")]
    assert actions == ["grantRole", "revokeRole"]


async def test_roles_lists_core_roles_with_permissions(core_client):
    w = await build_world()
    roles = {
        r["name"]: r["permissions"]
        for r in (
            await core_client.data("{ roles { name description permissions } }", token=w.tokens["c1_grid"])
        )["roles"]
    }
    assert {"admin", "area_manager", "community_worker", "grid_worker", "resident"} <= set(roles)
    assert (
        "resident.pii.read" in roles["community_worker"] and "resident.pii.read" not in roles["grid_worker"]
    )
    assert roles["resident"] == []
