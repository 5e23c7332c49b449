"""The demand lifecycle through the GraphQL API: every move, every refusal, the events."""

from __future__ import annotations

import datetime as dt
import re

from core.api.relay import gid_of
from plugins.demands.models import Demand, DemandEvent
from plugins.demands.tests.helpers import (
    ANSWER,
    DELIVER,
    GET,
    RATE,
    REJECT,
    REWORK,
    WITHDRAW,
    answer,
    assignment_of,
    call,
    demands_world,
    dispatch,
    ok,
    refused,
    submit,
    to_accepted,
    to_delivered,
)


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_the_four_part_form_from_order_to_rating(client):
    w = await demands_world()
    demand = ok(await submit(client, w))
    assert re.fullmatch(r"XQ-\d{4}-000001", demand["ledgerNumber"])
    assert demand["status"] == "SUBMITTED" and demand["dueAt"] is None and demand["dispatchedAt"] is None
    assert demand["area"]["name"] == "1号楼"  # a household demand without area: the household's building
    assert demand["unit"]["label"] == "1-101" and demand["submitter"]["name"] == "张伟"
    assert demand["enteredBy"]["username"] == "c1_worker"

    demand = ok(await dispatch(client, w, demand["id"], "property", "power"))
    assert demand["status"] == "DISPATCHED"
    assert _at(demand["dueAt"]) - _at(demand["dispatchedAt"]) == dt.timedelta(
        days=7
    )  # the category's slaDays
    assert [a["status"] for a in demand["assignments"]] == ["OFFERED", "OFFERED"]

    accepted = ok(await answer(client, w, demand, "property"), "assignment")
    assert accepted["status"] == "ACCEPTED" and accepted["demand"]["status"] == "ACCEPTED"
    # Joint delivery: a second organisation accepts too; the demand stays ACCEPTED.
    joined = ok(await answer(client, w, demand, "power"), "assignment")
    assert joined["status"] == "ACCEPTED" and joined["demand"]["status"] == "ACCEPTED"

    delivered = ok(
        await call(
            client,
            DELIVER,
            {"input": {"demandId": demand["id"], "report": "已更换灯泡"}},
            w.tokens["power_liaison"],
        )
    )
    assert delivered["status"] == "DELIVERED" and delivered["deliveryReport"] == "已更换灯泡"
    assert delivered["deliveredAt"] and delivered["late"] is False and delivered["overdue"] is False

    rated = ok(
        await call(
            client,
            RATE,
            {"input": {"demandId": demand["id"], "score": 5, "comment": "很及时"}},
            w.tokens["resident"],
        )
    )
    assert rated["status"] == "CLOSED" and rated["closedAt"]
    assert rated["rating"] == {"score": 5, "comment": "很及时", "ratedBy": {"username": "resident"}}
    kinds = [
        (e["kind"], e["fromStatus"], e["toStatus"], (e["actor"] or {}).get("username"))
        for e in rated["events"]
    ]
    assert kinds == [
        ("SUBMITTED", None, "SUBMITTED", "c1_worker"),
        ("DISPATCHED", "SUBMITTED", "DISPATCHED", "c1_worker"),
        ("ACCEPTED", "DISPATCHED", "ACCEPTED", "property_liaison"),
        ("ACCEPTED", None, None, "power_liaison"),
        ("DELIVERED", "ACCEPTED", "DELIVERED", "power_liaison"),
        ("RATED", "DELIVERED", "CLOSED", "resident"),
    ]


async def test_every_decline_sends_the_demand_back_for_re_dispatch(client):
    w = await demands_world()
    demand = ok(await dispatch(client, w, ok(await submit(client, w))["id"], "property", "power"))
    no_reason = await answer(client, w, demand, "property", accept=False)
    refused(no_reason, "INVALID_INPUT", "assignment")
    first = ok(await answer(client, w, demand, "property", accept=False, reason="不在服务范围"), "assignment")
    assert first["status"] == "DECLINED" and first["declineReason"] == "不在服务范围"
    assert first["demand"]["status"] == "DISPATCHED"  # one offer still open
    last = ok(await answer(client, w, demand, "power", accept=False, reason="非供电问题"), "assignment")
    assert last["demand"]["status"] == "SUBMITTED"
    again = (await client.data(GET, {"id": demand["id"]}, w.tokens["c1_worker"]))["demand"]
    assert again["dueAt"] is None and again["dispatchedAt"] is None
    assert again["events"][-1]["kind"] == "OFFER_DECLINED"
    assert (again["events"][-1]["fromStatus"], again["events"][-1]["toStatus"]) == ("DISPATCHED", "SUBMITTED")
    redispatched = ok(await dispatch(client, w, demand["id"], "water"))
    assert redispatched["status"] == "DISPATCHED" and len(redispatched["assignments"]) == 3


async def test_rework_returns_a_delivery_to_accepted(client):
    w = await demands_world()
    demand = await to_delivered(client, w)
    back = ok(await call(client, REWORK, {"id": demand["id"], "r": "灯还是不亮"}, w.tokens["resident"]))
    assert back["status"] == "ACCEPTED" and back["deliveredAt"] is None
    assert back["events"][-1]["kind"] == "REWORK_REQUESTED" and back["events"][-1]["note"] == "灯还是不亮"
    again = ok(
        await call(
            client,
            DELIVER,
            {"input": {"demandId": demand["id"], "report": "换了线路"}},
            w.tokens["c1_worker"],
        )
    )  # a dispatcher may record delivery too
    assert again["status"] == "DELIVERED"


async def test_reject_and_withdraw(client):
    w = await demands_world()
    a = ok(await submit(client, w))
    refused(await call(client, REJECT, {"id": a["id"], "r": "  "}, w.tokens["c1_worker"]), "INVALID_INPUT")
    rejected = ok(await call(client, REJECT, {"id": a["id"], "r": "属于私人纠纷"}, w.tokens["c1_worker"]))
    assert rejected["status"] == "REJECTED" and rejected["rejectionReason"] == "属于私人纠纷"
    b = ok(await dispatch(client, w, ok(await submit(client, w))["id"], "property"))
    withdrawn = ok(await call(client, WITHDRAW, {"id": b["id"]}, w.tokens["resident"]))
    assert withdrawn["status"] == "WITHDRAWN"
    assert [x["status"] for x in withdrawn["assignments"]] == ["CANCELLED"]
    late = await answer(client, w, b, "property")
    refused(late, "INVALID_TRANSITION", "assignment")


async def _state(demand_id: str):
    pk = int(__import__("core.ids", fromlist=["decode_int_gid"]).decode_int_gid(demand_id, "Demand"))
    row = await Demand.get(id=pk)
    return row.status, row.updated_at, await DemandEvent.filter(demand_id=pk).count()


async def test_every_refused_move_is_invalid_transition_and_changes_nothing(client):
    w = await demands_world()
    submitted = ok(await submit(client, w))
    accepted = await to_accepted(client, w)
    delivered = await to_delivered(client, w)
    closed = await to_delivered(client, w)
    ok(await call(client, RATE, {"input": {"demandId": closed["id"], "score": 4}}, w.tokens["resident"]))
    worker, resident = w.tokens["c1_worker"], w.tokens["resident"]
    moves = [
        # (operation, variables, token, demand)
        (DELIVER, {"input": {"demandId": submitted["id"], "report": "x"}}, worker, submitted),
        (RATE, {"input": {"demandId": submitted["id"], "score": 5}}, resident, submitted),
        (REWORK, {"id": submitted["id"], "r": "x"}, resident, submitted),
        (REJECT, {"id": accepted["id"], "r": "x"}, worker, accepted),
        (WITHDRAW, {"id": accepted["id"]}, resident, accepted),
        (RATE, {"input": {"demandId": accepted["id"], "score": 5}}, resident, accepted),
        (DELIVER, {"input": {"demandId": delivered["id"], "report": "x"}}, worker, delivered),
        (WITHDRAW, {"id": delivered["id"]}, resident, delivered),
        (REJECT, {"id": delivered["id"], "r": "x"}, worker, delivered),
        (RATE, {"input": {"demandId": closed["id"], "score": 5}}, resident, closed),
        (REWORK, {"id": closed["id"], "r": "x"}, resident, closed),
        (WITHDRAW, {"id": closed["id"]}, resident, closed),
    ]
    for query, variables, token, demand in moves:
        before = await _state(demand["id"])
        refused(await call(client, query, variables, token), "INVALID_TRANSITION")
        assert await _state(demand["id"]) == before
    # Dispatching twice, or anything but a SUBMITTED demand.
    for demand in (accepted, delivered, closed):
        before = await _state(demand["id"])
        refused(await dispatch(client, w, demand["id"], "water"), "INVALID_TRANSITION")
        assert await _state(demand["id"]) == before
    # Answering an offer twice.
    again = await call(
        client,
        ANSWER,
        {"input": {"assignmentId": assignment_of(accepted, "鑫源物业"), "accept": False, "reason": "x"}},
        w.tokens["property_liaison"],
    )
    refused(again, "INVALID_TRANSITION", "assignment")


async def test_bad_input_is_a_user_error(client):
    w = await demands_world()
    refused(await submit(client, w, title=""), "INVALID_INPUT")
    refused(await submit(client, w, submitter=None), "INVALID_INPUT")  # staff: HOUSEHOLD names its resident
    refused(await submit(client, w, scope="PUBLIC", submitter=None), "INVALID_INPUT")  # PUBLIC names its area
    refused(await submit(client, w, area=w.s1), "INVALID_LEVEL")
    refused(await submit(client, w, area=w.c2), "NOT_FOUND")  # out of the worker's sight
    demand = ok(await submit(client, w))
    refused(
        await call(
            client,
            "mutation($input: DispatchDemandInput!) { dispatchDemand(input: $input) { demand { id } userErrors { code field } } }",
            {"input": {"demandId": demand["id"], "organizationIds": []}},
            w.tokens["c1_worker"],
        ),
        "INVALID_INPUT",
    )
    bogus = gid_of(w.district).replace("D", "X")
    refused(
        await call(
            client,
            "mutation($input: DispatchDemandInput!) { dispatchDemand(input: $input) { demand { id } userErrors { code field } } }",
            {"input": {"demandId": demand["id"], "organizationIds": [bogus]}},
            w.tokens["c1_worker"],
        ),
        "NOT_FOUND",
    )
    delivered = await to_delivered(client, w)
    refused(
        await call(client, RATE, {"input": {"demandId": delivered["id"], "score": 6}}, w.tokens["resident"]),
        "INVALID_INPUT",
    )


async def test_a_repeated_client_mutation_id_returns_the_first_demand(client):
    w = await demands_world()
    first = ok(await submit(client, w, key="k-1"))
    again = ok(await submit(client, w, key="k-1", title="另一个标题"))
    assert again["id"] == first["id"] and again["title"] == first["title"]
    assert await Demand.all().count() == 1
