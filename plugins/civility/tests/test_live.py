"""civilityNominationUpdated over graphql-transport-ws: fresh counts, scoped, only after commit."""

from __future__ import annotations

import asyncio

from core.testing import TEST_PLUGINS, GraphQLClient
from plugins.civility.services.events import NOMINATION_UPDATED
from plugins.civility.tests.helpers import (
    VOTE,
    advance,
    civility_world,
    create_campaign,
    mutate,
    nominate,
    ok,
)
from tests.test_live_support import AsgiWebSocket, bearer

UPDATED = """subscription($id: ID!) { civilityNominationUpdated(campaignId: $id) {
  id status voteCount nomineeName } }"""


async def _subscribed(app, count=1):
    for _ in range(200):
        if app.state.runtime.bus.subscriber_count(NOMINATION_UPDATED) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("subscription never reached the bus")


async def test_votes_arrive_live_with_fresh_counts(app_factory):
    app = app_factory(TEST_PLUGINS)
    civ = await civility_world()
    async with GraphQLClient(app) as client:
        campaign = await advance(
            client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY")
        )
        other = await advance(
            client, civ, await create_campaign(client, civ, kind="MOST_BEAUTIFUL_FAMILY", title="另一个")
        )
        n = await nominate(client, civ, campaign, "c1_worker", unit=civ.w.unit1)
        elsewhere = await nominate(client, civ, other, "c1_worker", unit=civ.w.unit1)
        async with AsgiWebSocket(app) as ws:
            assert (await ws.init(bearer(civ.tokens["wang"])))["type"] == "connection_ack"
            await ws.subscribe(UPDATED, variables={"id": campaign["id"]})
            await _subscribed(app)
            await ok(
                client, VOTE, {"id": elsewhere["id"]}, civ.tokens["resident"]
            )  # another campaign: silent
            # A refused vote commits nothing and publishes nothing.
            await ok(client, VOTE, {"id": n["id"]}, civ.tokens["resident"])
            refused = await mutate(client, VOTE, {"id": n["id"]}, civ.tokens["resident"])
            assert refused["userErrors"][0]["code"] == "DUPLICATE"
            msg = await ws.receive()
            assert msg["type"] == "next"
            got = msg["payload"]["data"]["civilityNominationUpdated"]
            assert got == {"id": n["id"], "status": "PENDING", "voteCount": 1, "nomineeName": "张伟"}
            assert await ws.nothing_within(0.3)
            await ok(client, VOTE, {"id": n["id"]}, civ.tokens["wang"])
            got = (await ws.receive())["payload"]["data"]["civilityNominationUpdated"]
            assert got["voteCount"] == 2
            await ws.disconnect()


async def test_subscribing_to_an_unknown_or_unseen_campaign_is_not_found(app_factory):
    """A front-end subscribing with a wrong or foreign campaign id hears NOT_FOUND at once rather
    than waiting forever on a subscription that can never deliver."""
    from core.ids import encode_gid

    app = app_factory(TEST_PLUGINS)
    civ = await civility_world()
    async with GraphQLClient(app) as client:
        campaign = await create_campaign(client, civ)  # 济源路街道: 刘洋 (金昌社区) does not see it
    for token, campaign_id in (
        (civ.tokens["wang"], "bogus"),
        (civ.tokens["wang"], encode_gid("Unit", 1)),
        (civ.tokens["liu"], campaign["id"]),
        (civ.tokens["wang"], encode_gid("CivilityCampaign", 2**40)),
    ):
        async with AsgiWebSocket(app) as ws:
            assert (await ws.init(bearer(token)))["type"] == "connection_ack"
            await ws.subscribe(UPDATED, variables={"id": campaign_id})
            msg = await ws.receive()
            assert msg["type"] in ("error", "next")
            errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
            assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert app.state.runtime.bus.subscriber_count(NOMINATION_UPDATED) == 0
