"""Notifications (demands.offered, demands.delivered) and Subscription.demandUpdated, scoped like queries."""

from __future__ import annotations

import contextlib

import pytest

from core.api.relay import gid_of
from core.testing import subscribe
from plugins.demands.tests.helpers import (
    DELIVER,
    REJECT,
    call,
    demands_world,
    dispatch,
    ok,
    submit,
    to_accepted,
)

NOTES = "query { myNotifications(first: 20) { edges { node { kind title } } } }"
UPDATED = "subscription($a: ID!) { demandUpdated(areaId: $a) { ledgerNumber status events { kind } } }"


async def _kinds(client, token: str) -> list[str]:
    data = await client.data(NOTES, token=token)
    return [e["node"]["kind"] for e in data["myNotifications"]["edges"]]


async def test_dispatch_notifies_liaisons_and_delivery_the_submitter(client):
    w = await demands_world()
    demand = ok(await submit(client, w))
    ok(await dispatch(client, w, demand["id"], "property", "power"))
    assert await _kinds(client, w.tokens["property_liaison"]) == ["demands.offered"]
    assert await _kinds(client, w.tokens["power_liaison"]) == ["demands.offered"]
    assert await _kinds(client, w.tokens["water_liaison"]) == []
    accepted = await to_accepted(client, w)
    ok(
        await call(
            client,
            DELIVER,
            {"input": {"demandId": accepted["id"], "report": "修好了"}},
            w.tokens["property_liaison"],
        )
    )
    assert await _kinds(client, w.tokens["resident"]) == ["demands.delivered"]


async def _quiet(sub, seconds: float = 0.3) -> bool:
    try:
        await sub.receive(timeout=seconds)
    except TimeoutError:
        return True
    except Exception as exc:  # httpx-ws raises its own timeout type
        return "Timeout" in type(exc).__name__
    return False


async def test_changes_stream_to_subscribers_at_or_above_the_demand(client):
    w = await demands_world()
    app = client.app
    async with contextlib.AsyncExitStack() as stack:
        c1 = await stack.enter_async_context(
            subscribe(app, UPDATED, {"a": gid_of(w.c1)}, w.tokens["c1_worker"])
        )
        s1 = await stack.enter_async_context(
            subscribe(app, UPDATED, {"a": gid_of(w.s1)}, w.tokens["s1_manager"])
        )
        c2 = await stack.enter_async_context(
            subscribe(app, UPDATED, {"a": gid_of(w.c2)}, w.tokens["c2_worker"])
        )
        resident = await stack.enter_async_context(
            subscribe(app, UPDATED, {"a": gid_of(w.c1)}, w.tokens["resident"])
        )
        demand = ok(await submit(client, w))
        for sub in (c1, s1, resident):
            got = (await sub.next())["data"]["demandUpdated"]
            assert (got["ledgerNumber"], got["status"]) == (demand["ledgerNumber"], "SUBMITTED")
        ok(await dispatch(client, w, demand["id"], "property"))
        for sub in (c1, s1, resident):
            got = (await sub.next())["data"]["demandUpdated"]
            assert got["status"] == "DISPATCHED" and got["events"][-1]["kind"] == "DISPATCHED"
        # Someone else's household need in c1 reaches staff, not the resident; nothing reaches c2.
        other = ok(await submit(client, w, submitter="zhang_wife"))
        assert (await c1.next())["data"]["demandUpdated"]["ledgerNumber"] == other["ledgerNumber"]
        assert await _quiet(resident) and await _quiet(c2)
        # A refused move publishes nothing.
        assert (await call(client, REJECT, {"id": demand["id"], "r": "x"}, w.tokens["c1_worker"]))[
            "userErrors"
        ]
        assert await _quiet(c1)


async def test_subscribing_out_of_scope_is_refused(client):
    w = await demands_world()
    async with subscribe(client.app, UPDATED, {"a": gid_of(w.c1)}, w.tokens["c2_worker"]) as sub:
        msg = await sub.receive()
        assert msg["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


pytestmark = pytest.mark.filterwarnings("ignore")
