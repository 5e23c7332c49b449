"""A verified token is remembered (its signature is checked once), its expiry on every use."""

from __future__ import annotations

import jwt

from core import auth
from core.settings import get_settings
from core.testing import build_world


async def test_a_token_is_verified_once_and_expires_when_it_says(monkeypatch):
    w = await build_world()
    settings = get_settings()
    user = await auth.m.User.get(username="c1_worker")
    token, _ = auth.issue_token(user, settings)
    # The same account signed in within the same second (an earlier test) gives the same token.
    auth._VERIFIED.clear()
    calls = []
    real = jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert auth.user_id_from_token(token, settings) == user.id
    assert auth.user_id_from_token(token, settings) == user.id
    assert len(calls) == 1
    # Past its expiry (by the cache's clock) the memory is not trusted: the token is checked again
    # (PyJWT, on its own clock, then decides).
    monkeypatch.setattr(auth.time, "time", lambda: 4_000_000_000)
    auth.user_id_from_token(token, settings)
    assert len(calls) == 2
    # A token signed with another key is never taken from the memory of this one.
    assert auth.user_id_from_token(token + "x", settings) is None
    assert w.tokens["c1_worker"]
