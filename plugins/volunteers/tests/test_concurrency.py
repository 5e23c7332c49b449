"""Capacity and uniqueness under concurrent requests (PostgreSQL: SQLite serialises writers anyway)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from core.testing import build_world
from plugins.volunteers import models as vm
from plugins.volunteers.enums import SignupStatus
from plugins.volunteers.tests.helpers import (
    ACTIVITY,
    SIGN_UP,
    codes,
    direct_volunteers,
    gid_of,
    open_activity,
    residents_in,
)


@pytest.fixture(autouse=True)
def _postgres_only(on_postgres):
    if not on_postgres:
        pytest.skip("concurrency is proven on PostgreSQL")


async def _outcomes(client, token, pairs) -> Counter:
    bodies = await asyncio.gather(*(client(SIGN_UP, {"a": a, "v": v}, token) for a, v in pairs))
    out = Counter()
    for body in bodies:
        p = body["data"]["signUpForActivity"]
        out["OK" if p["signup"] else "+".join(codes(p))] += 1
    return out


async def test_fifty_concurrent_signups_for_ten_places(client):
    w = await build_world()
    su = w.tokens["super"]
    volunteers = await direct_volunteers(await residents_in(w.unit1, 50))
    a = await open_activity(client, su, gid_of(w.c1), capacity=10)
    outcome = await _outcomes(client, su, [(a, gid_of(v)) for v in volunteers])
    assert outcome == Counter({"OK": 10, "CAPACITY_REACHED": 40})
    assert (await client.data(ACTIVITY, {"id": a}, su))["volunteerActivity"]["signupCount"] == 10
    held = await vm.ActivitySignup.filter(status=SignupStatus.SIGNED_UP).count()
    assert held == 10


async def test_concurrent_duplicate_signups_make_one(client):
    w = await build_world()
    su = w.tokens["super"]
    [volunteer] = await direct_volunteers(await residents_in(w.unit1, 1))
    a = await open_activity(client, su, gid_of(w.c1), capacity=None)
    outcome = await _outcomes(client, su, [(a, gid_of(volunteer))] * 12)
    assert outcome == Counter({"OK": 1, "DUPLICATE": 11})
    assert (await client.data(ACTIVITY, {"id": a}, su))["volunteerActivity"]["signupCount"] == 1


async def test_cancelling_signups_while_the_activity_is_cancelled(client):
    """Both lock the activity before its signups: no deadlock, and every place is freed exactly once."""
    w = await build_world()
    su = w.tokens["super"]
    volunteers = await direct_volunteers(await residents_in(w.unit1, 20))
    for _ in range(3):
        a = await open_activity(client, su, gid_of(w.c1), capacity=None)
        signups = [
            (await client(SIGN_UP, {"a": a, "v": gid_of(v)}, su))["data"]["signUpForActivity"]["signup"]["id"]
            for v in volunteers
        ]
        cancel_activity = client(
            'mutation($a: ID!) { cancelVolunteerActivity(activityId: $a, reason: "暴雨") '
            "{ activity { id } userErrors { code } } }",
            {"a": a},
            su,
        )
        cancel_each = [
            client(
                "mutation($s: ID!) { cancelSignup(signupId: $s) { signup { id } userErrors { code } } }",
                {"s": s},
                su,
            )
            for s in signups
        ]
        await asyncio.gather(*cancel_each[:10], cancel_activity, *cancel_each[10:])  # fails on GraphQL errors
        after = (await client.data(ACTIVITY, {"id": a}, su))["volunteerActivity"]
        assert after["status"] == "CANCELLED" and after["signupCount"] == 0
