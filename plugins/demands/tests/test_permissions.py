"""Who may do what, and what each viewer sees: out of scope reads as null / NOT_FOUND, never counted."""

from __future__ import annotations

from core.api.relay import gid_of
from core.enums import AreaLevel
from core.testing import make_area, make_user, token_for
from plugins.demands.tests.helpers import (
    ANSWER,
    DELIVER,
    GET,
    LIST,
    RATE,
    REJECT,
    WITHDRAW,
    assignment_of,
    call,
    demands_world,
    dispatch,
    ok,
    refused,
    submit,
    to_delivered,
)

STATS = "query($a: ID!) { demandStats(areaId: $a) { total open } }"
OFFERS = "query { myDemandOffers(first: 10) { totalCount edges { node { id ledgerNumber } } } }"
CATEGORY = """mutation($n: String!) { createDemandCategory(input: {name: $n, slaDays: 10, suggestedOrganizationKinds: [UTILITY]}) {
  category { id name slaDays suggestedOrganizationKinds active } userErrors { code } } }"""
LIAISON = """mutation($o: ID!, $u: ID!) { addOrganizationLiaison(organizationId: $o, userId: $u) {
  organization { id liaisons { username } } userErrors { code } } }"""


async def _ids(client, token: str) -> set[str]:
    data = await client.data(LIST, {"first": 100}, token)
    return {e["node"]["id"] for e in data["demands"]["edges"]}


async def test_what_each_viewer_reads(client):
    w = await demands_world()
    own = ok(await submit(client, w, title="我家水管漏"))
    spouse = ok(await submit(client, w, submitter="zhang_wife", title="配偶的诉求"))
    public_c1 = ok(
        await submit(
            client, w, scope="PUBLIC", area=w.c1, submitter=None, category=w.hall, title="建安全教育馆"
        )
    )
    public_compound = ok(
        await submit(client, w, scope="PUBLIC", area=w.compound1, submitter=None, title="小区路灯")
    )
    elsewhere = ok(
        await submit(client, w, "c2_worker", scope="PUBLIC", area=w.c2, submitter=None, title="中安街")
    )
    other_compound = await make_area(AreaLevel.COMPOUND, "别的小区", w.c1)
    neighbours = ok(
        await submit(client, w, scope="PUBLIC", area=other_compound, submitter=None, title="别的小区")
    )
    everything = {d["id"] for d in (own, spouse, public_c1, public_compound, elsewhere, neighbours)}

    assert await _ids(client, w.tokens["super"]) == everything
    assert await _ids(client, w.tokens["s1_manager"]) == everything
    assert await _ids(client, w.tokens["c1_worker"]) == everything - {elsewhere["id"]}
    assert await _ids(client, w.tokens["c2_worker"]) == {elsewhere["id"]}
    # A resident: their own, and the PUBLIC demands of their community (itself and every compound in it),
    # not a neighbour's household demand nor another community's shared needs.
    assert await _ids(client, w.tokens["resident"]) == {
        own["id"],
        public_c1["id"],
        public_compound["id"],
        neighbours["id"],
    }
    assert await _ids(client, w.tokens["wang"]) == {elsewhere["id"]}
    assert await _ids(client, w.tokens["nobody"]) == set()
    # Out of scope: null, and never counted.
    assert (await client.data(GET, {"id": own["id"]}, w.tokens["c2_worker"]))["demand"] is None
    assert (await client.data(GET, {"id": spouse["id"]}, w.tokens["resident"]))["demand"] is None
    stats = (await client.data(STATS, {"a": gid_of(w.district)}, w.tokens["c2_worker"]))["demandStats"]
    assert stats == {"total": 1, "open": 1}
    resp = await client(STATS, {"a": gid_of(w.c1)}, w.tokens["c2_worker"], errors_ok=True)
    assert resp["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_who_may_move_a_demand(client):
    w = await demands_world()
    demand = ok(await submit(client, w))
    # Out of scope: NOT_FOUND; in sight without the permission: FORBIDDEN.
    refused(await dispatch(client, w, demand["id"], "property", token="c2_worker"), "NOT_FOUND")
    grid = await make_user("grid_c1", [("grid_worker", w.c1)])
    w.tokens["grid_c1"] = token_for(grid)
    refused(await dispatch(client, w, demand["id"], "property", token="grid_c1"), "FORBIDDEN")
    refused(await dispatch(client, w, demand["id"], "property", token="resident"), "FORBIDDEN")
    refused(await call(client, REJECT, {"id": demand["id"], "r": "x"}, w.tokens["resident"]), "FORBIDDEN")
    refused(await call(client, WITHDRAW, {"id": demand["id"]}, w.tokens["wang"]), "NOT_FOUND")
    refused(await call(client, WITHDRAW, {"id": demand["id"]}, w.tokens["c1_worker"]), "FORBIDDEN")

    demand = ok(await dispatch(client, w, demand["id"], "property"))
    # Only a liaison of the organisation offered answers; others do not even see the offer.
    as_other = await call(
        client,
        ANSWER,
        {"input": {"assignmentId": assignment_of(demand, "鑫源物业"), "accept": True}},
        w.tokens["power_liaison"],
    )
    refused(as_other, "NOT_FOUND", "assignment")
    as_worker = await call(
        client,
        ANSWER,
        {"input": {"assignmentId": assignment_of(demand, "鑫源物业"), "accept": True}},
        w.tokens["c1_worker"],
    )
    refused(as_worker, "FORBIDDEN", "assignment")
    offers = (await client.data(OFFERS, token=w.tokens["property_liaison"]))["myDemandOffers"]
    assert [e["node"]["id"] for e in offers["edges"]] == [demand["id"]]
    assert (await client.data(OFFERS, token=w.tokens["power_liaison"]))["myDemandOffers"]["totalCount"] == 0
    # The liaison reads the demand offered, but not the resident behind it.
    seen = (await client.data(GET, {"id": demand["id"]}, w.tokens["property_liaison"]))["demand"]
    assert seen["ledgerNumber"] == demand["ledgerNumber"] and seen["submitter"] is None
    assert (await client.data(GET, {"id": demand["id"]}, w.tokens["power_liaison"]))["demand"] is None

    ok(
        await call(
            client,
            ANSWER,
            {"input": {"assignmentId": assignment_of(demand, "鑫源物业"), "accept": True}},
            w.tokens["property_liaison"],
        ),
        "assignment",
    )
    refused(
        await call(
            client, DELIVER, {"input": {"demandId": demand["id"], "report": "x"}}, w.tokens["resident"]
        ),
        "FORBIDDEN",
    )


async def test_only_the_submitter_rates(client):
    w = await demands_world()
    demand = await to_delivered(client, w)
    refused(
        await call(client, RATE, {"input": {"demandId": demand["id"], "score": 5}}, w.tokens["c1_worker"]),
        "FORBIDDEN",
    )
    refused(
        await call(client, RATE, {"input": {"demandId": demand["id"], "score": 5}}, w.tokens["wang"]),
        "NOT_FOUND",
    )
    ok(await call(client, RATE, {"input": {"demandId": demand["id"], "score": 3}}, w.tokens["resident"]))


async def test_residents_submit_their_own_in_their_home_areas(client):
    w = await demands_world()
    mine = ok(await submit(client, w, "resident", submitter=None, channel="APP"))
    assert mine["submitter"]["name"] == "张伟" and mine["enteredBy"]["username"] == "resident"
    shared = ok(await submit(client, w, "resident", scope="PUBLIC", area=w.compound1, submitter=None))
    assert shared["scope"] == "PUBLIC" and shared["submitter"]["name"] == "张伟"
    refused(await submit(client, w, "resident", area=w.c2, submitter=None), "NOT_FOUND")
    refused(await submit(client, w, "resident", submitter="wang"), "NOT_FOUND")
    refused(await submit(client, w, "nobody", submitter=None), "INVALID_INPUT")


async def test_categories_and_liaisons_are_managed_at_the_top(client):
    w = await demands_world()
    for name in ("c1_worker", "s1_manager", "resident"):
        assert (await client.data(CATEGORY, {"n": "新类别"}, w.tokens[name]))["createDemandCategory"][
            "userErrors"
        ][0]["code"] == "FORBIDDEN"
    made = (await client.data(CATEGORY, {"n": "新类别"}, w.tokens["district_admin"]))["createDemandCategory"]
    assert made["category"]["suggestedOrganizationKinds"] == ["UTILITY"] and made["category"]["active"]
    dup = (await client.data(CATEGORY, {"n": "新类别"}, w.tokens["super"]))["createDemandCategory"]
    assert dup["userErrors"][0]["code"] == "DUPLICATE"
    user = await make_user("new_liaison")
    added = (
        await client.data(LIAISON, {"o": gid_of(w.orgs["health"]), "u": gid_of(user)}, w.tokens["s1_manager"])
    )["addOrganizationLiaison"]
    assert {u["username"] for u in added["organization"]["liaisons"]} == {"health_liaison", "new_liaison"}
    denied = (
        await client.data(LIAISON, {"o": gid_of(w.orgs["health"]), "u": gid_of(user)}, w.tokens["resident"])
    )["addOrganizationLiaison"]
    assert denied["userErrors"][0]["code"] == "FORBIDDEN"
