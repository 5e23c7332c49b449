"""Categories: the SLA a dispatch takes, retiring a category, listing."""

from __future__ import annotations

import datetime as dt

from core.api.relay import gid_of
from plugins.demands.tests.helpers import demands_world, dispatch, ok, refused, submit

UPDATE = """mutation($input: UpdateDemandCategoryInput!) { updateDemandCategory(input: $input) {
  category { id name slaDays active suggestedOrganizationKinds } userErrors { code field } } }"""
LIST = "query($all: Boolean) { demandCategories(includeInactive: $all) { name active } }"


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_the_sla_at_dispatch_time_sets_due_at(client):
    w = await demands_world()
    demand = ok(await submit(client, w))
    changed = (
        await client.data(
            UPDATE,
            {
                "input": {
                    "categoryId": gid_of(w.repair),
                    "slaDays": 3,
                    "suggestedOrganizationKinds": ["UTILITY", "UTILITY"],
                }
            },
            w.tokens["super"],
        )
    )["updateDemandCategory"]
    assert changed["userErrors"] == [] and changed["category"]["slaDays"] == 3
    assert changed["category"]["suggestedOrganizationKinds"] == ["UTILITY"]
    dispatched = ok(await dispatch(client, w, demand["id"], "property"))
    assert _at(dispatched["dueAt"]) - _at(dispatched["dispatchedAt"]) == dt.timedelta(days=3)
    bad = (
        await client.data(
            UPDATE, {"input": {"categoryId": gid_of(w.repair), "slaDays": 0}}, w.tokens["super"]
        )
    )["updateDemandCategory"]
    assert bad["userErrors"][0]["code"] == "INVALID_INPUT"
    denied = (
        await client.data(
            UPDATE, {"input": {"categoryId": gid_of(w.repair), "slaDays": 9}}, w.tokens["c1_worker"]
        )
    )["updateDemandCategory"]
    assert denied["userErrors"][0]["code"] == "FORBIDDEN"


async def test_a_retired_category_takes_no_new_demands(client):
    w = await demands_world()
    ok_ = (
        await client.data(
            UPDATE, {"input": {"categoryId": gid_of(w.hall), "active": False}}, w.tokens["district_admin"]
        )
    )["updateDemandCategory"]
    assert ok_["category"]["active"] is False
    refused(await submit(client, w, category=w.hall), "INVALID_INPUT")
    names = [c["name"] for c in (await client.data(LIST, {}, w.tokens["resident"]))["demandCategories"]]
    assert names == ["维修"]
    everything = (await client.data(LIST, {"all": True}, w.tokens["resident"]))["demandCategories"]
    assert {c["name"] for c in everything} == {"维修", "公共设施"}
    anonymous = await client(LIST, {}, None, errors_ok=True)  # core refuses anonymous reads
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
