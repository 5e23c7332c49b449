"""Subscription.disputeCaseUpdated over graphql-transport-ws: every change at or below the area, scoped."""

from __future__ import annotations

import asyncio

from core.api.relay import gid_of
from plugins.mediation.services.cases import TOPIC
from plugins.mediation.tests.helpers import ACCEPT, call, mediation_world, ok, report, to_in_mediation
from tests.test_live_support import AsgiWebSocket, bearer

UPDATED = """subscription($a: ID!) { disputeCaseUpdated(areaId: $a) {
  caseNumber status handlingLevel team { user { username } } events { kind } } }"""


async def _subscribed(app, count: int) -> None:
    for _ in range(200):
        if app.state.runtime.bus.subscriber_count(TOPIC) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("subscription never reached the bus")


async def _open(app, token: str, area, op_id: str = "1") -> AsgiWebSocket:
    ws = await AsgiWebSocket(app).connect()
    assert (await ws.init(bearer(token)))["type"] == "connection_ack"
    await ws.subscribe(UPDATED, op_id, {"a": gid_of(area)})
    return ws


async def _next(ws: AsgiWebSocket) -> dict:
    msg = await ws.receive()
    assert msg["type"] == "next", msg
    return msg["payload"]["data"]["disputeCaseUpdated"]


async def test_changes_stream_to_subscribers_at_or_above_the_case(client):
    w = await mediation_world()
    app = client.app
    c1 = await _open(app, w.tokens["c1_worker"], w.c1)
    s1 = await _open(app, w.tokens["s1_manager"], w.s1)
    c2 = await _open(app, w.tokens["c2_worker"], w.c2)
    resident = await _open(app, w.tokens["resident"], w.c1)
    try:
        await _subscribed(app, 4)
        case = ok(await report(client, w))  # in c1, 张伟 (the resident account) is a party
        for ws in (c1, s1, resident):
            got = await _next(ws)
            assert (got["caseNumber"], got["status"]) == (case["caseNumber"], "REPORTED")
        await to_in_mediation(client, w, case["id"])
        for ws in (c1, s1):
            assert (await _next(ws))["status"] == "ACCEPTED"
            got = await _next(ws)
            assert got["status"] == "IN_MEDIATION"
            # Nested fields are read afresh for every delivery.
            assert [t["user"]["username"] for t in got["team"]] == ["c1_mediator", "c1_grid"]
            assert got["events"][-1]["kind"] == "TEAM_ASSIGNED"
        assert (await _next(resident))["status"] == "ACCEPTED"
        assert (await _next(resident))["status"] == "IN_MEDIATION"
        # A case in c2 reaches the subdistrict and c2, not c1; one without the resident does not reach them.
        other = ok(
            await report(client, w, "c2_worker", area=w.c2, parties=[{"name": "甲", "role": "APPLICANT"}])
        )
        assert (await _next(s1))["caseNumber"] == other["caseNumber"]
        assert (await _next(c2))["caseNumber"] == other["caseNumber"]
        unrelated = ok(await report(client, w, parties=[{"name": "乙", "role": "APPLICANT"}]))
        assert (await _next(c1))["caseNumber"] == unrelated["caseNumber"]
        assert await resident.nothing_within(0.2)
        assert await c2.nothing_within(0.2)
        # A refused move publishes nothing.
        payload = await call(client, ACCEPT, {"id": case["id"]}, w.tokens["c1_worker"], "acceptDispute")
        assert payload["userErrors"][0]["code"] == "INVALID_TRANSITION"
        assert await c1.nothing_within(0.2)
    finally:
        for ws in (c1, s1, c2, resident):
            await ws.disconnect()


async def test_subscribing_to_an_area_out_of_scope_is_refused(client):
    w = await mediation_world()
    ws = await AsgiWebSocket(client.app).connect()
    try:
        assert (await ws.init(bearer(w.tokens["c2_worker"])))["type"] == "connection_ack"
        await ws.subscribe(UPDATED, "1", {"a": gid_of(w.c1)})
        msg = await ws.receive()
        # strawberry answers an error raised before the first event as a result carrying errors.
        assert msg["type"] == "next" and msg["payload"]["data"] is None, msg
        assert msg["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    finally:
        await ws.disconnect()
