"""Scheduled work with a controllable clock: auto-close after 14 days, overdue and late notices once."""

from __future__ import annotations

import datetime as dt

from core import models as m
from core.api.relay import gid_of
from core.testing import run_scheduled_job
from plugins.demands.models import Demand, DemandEvent
from plugins.demands.tests.helpers import (
    BLOW,
    GET,
    RATE,
    call,
    demands_world,
    ok,
    submit,
    to_accepted,
    to_delivered,
)

NOW = lambda: dt.datetime.now(dt.UTC)  # noqa: E731


async def _kinds(user: m.User) -> list[str]:
    return list(await m.Notification.filter(user_id=user.id).order_by("id").values_list("kind", flat=True))


async def test_a_delivered_demand_unrated_for_14_days_closes_itself_once(client):
    w = await demands_world()
    demand = await to_delivered(client, w)
    rated = await to_delivered(client, w)
    ok(await call(client, RATE, {"input": {"demandId": rated["id"], "score": 4}}, w.tokens["resident"]))
    early = await run_scheduled_job(client.app, "demands.auto_close", now=NOW() + dt.timedelta(days=13))
    assert early.ran and early.acted_on == 0
    later = NOW() + dt.timedelta(days=14, minutes=1)
    outcome = await run_scheduled_job(client.app, "demands.auto_close", now=later)
    assert outcome.acted_on == 1
    got = (await client.data(GET, {"id": demand["id"]}, w.tokens["c1_worker"]))["demand"]
    assert got["status"] == "CLOSED" and got["rating"] is None
    last = got["events"][-1]
    assert (last["kind"], last["fromStatus"], last["toStatus"], last["actor"]) == (
        "AUTO_CLOSED",
        "DELIVERED",
        "CLOSED",
        None,
    )
    again = await run_scheduled_job(client.app, "demands.auto_close", now=later + dt.timedelta(days=1))
    assert again.acted_on == 0
    assert await DemandEvent.filter(kind="AUTO_CLOSED").count() == 1


async def test_an_overdue_demand_notifies_those_responsible_once(client):
    w = await demands_world()
    demand = await to_accepted(client, w, "property", "power")
    waiting = ok(await submit(client, w))  # not dispatched: no dueAt, never overdue
    row = await Demand.get(ledger_number=demand["ledgerNumber"])
    assert (await run_scheduled_job(client.app, "demands.overdue", now=NOW())).acted_on == 0
    after_due = row.due_at + dt.timedelta(minutes=1)
    assert (await run_scheduled_job(client.app, "demands.overdue", now=after_due)).acted_on == 1
    assert (
        await run_scheduled_job(client.app, "demands.overdue", now=after_due + dt.timedelta(hours=1))
    ).acted_on == 0
    for name in ("property_liaison", "power_liaison", "c1_worker"):
        assert (await _kinds(w.users[name])).count("demands.overdue") == 1, name
    assert "demands.overdue" not in await _kinds(w.users["water_liaison"])
    assert await DemandEvent.filter(demand_id=row.id, kind="OVERDUE").count() == 1
    assert (await Demand.get(ledger_number=waiting["ledgerNumber"])).overdue_notified_at is None


async def test_a_department_late_to_report_is_reminded_once(client):
    w = await demands_world()
    report_by = NOW() + dt.timedelta(hours=2)
    ok(
        await call(
            client,
            BLOW,
            {
                "input": {
                    "areaId": gid_of(w.compound1),
                    "title": "线缆整治",
                    "description": "飞线",
                    "organizationIds": [gid_of(w.orgs["power"]), gid_of(w.orgs["water"])],
                    "reportBy": report_by.isoformat(),
                }
            },
            w.tokens["s1_manager"],
        ),
        "whistle",
    )
    assert (await run_scheduled_job(client.app, "demands.whistle.late", now=NOW())).acted_on == 0
    late = report_by + dt.timedelta(minutes=1)
    assert (await run_scheduled_job(client.app, "demands.whistle.late", now=late)).acted_on == 2
    assert (await run_scheduled_job(client.app, "demands.whistle.late", now=late)).acted_on == 0
    assert (await _kinds(w.users["power_liaison"])).count("demands.whistle.late") == 1
    assert (await _kinds(w.users["s1_manager"])).count("demands.whistle.late") == 2  # one per late department


async def test_organization_users_hook_answers_with_liaisons(client):
    w = await demands_world()
    host = client.app.state.runtime.host
    found = await host.organization_users([w.orgs["power"].id, w.orgs["water"].id])
    assert {k: set(v) for k, v in found.items()} == {
        w.orgs["power"].id: {w.users["power_liaison"].id},
        w.orgs["water"].id: {w.users["water_liaison"].id},
    }
