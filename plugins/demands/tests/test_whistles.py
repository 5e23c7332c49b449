"""街道吹哨、部门报到 through the API: the whistle's and each call's lifecycle, and who may act."""

from __future__ import annotations

import datetime as dt

from core.api.relay import gid_of
from plugins.demands.tests.helpers import (
    BLOW,
    CANCEL,
    COMPLETE,
    GET,
    REPORT,
    RESOLVE,
    call,
    demands_world,
    ok,
    refused,
    submit,
)

MY_CALLS = "query { myWhistleCalls { id status whistle { title } } }"
NOTES = "query { myNotifications(first: 20) { edges { node { kind title } } } }"


def _soon(days: int = 2) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


async def blow(
    client, w, token="s1_manager", *, area=None, orgs=("power", "water"), demand=None, report_by=None
):
    data = {
        "areaId": gid_of(area or w.compound1),
        "title": "线缆整治",
        "description": "飞线私拉乱接",
        "organizationIds": [gid_of(w.orgs[o]) for o in orgs],
        "reportBy": report_by or _soon(),
    }
    if demand is not None:
        data["demandId"] = demand
    return await call(client, BLOW, {"input": data}, w.tokens[token])


def _call_of(whistle: dict, name: str) -> str:
    return next(c["id"] for c in whistle["calls"] if c["organization"]["name"] == name)


async def test_blow_report_complete_resolve(client):
    w = await demands_world()
    demand = ok(await submit(client, w, scope="PUBLIC", area=w.compound1, submitter=None))
    whistle = ok(await blow(client, w, demand=demand["id"]), "whistle")
    assert whistle["status"] == "OPEN" and whistle["subdistrict"]["name"] == "济源路街道"
    assert whistle["demand"]["id"] == demand["id"]
    assert [c["status"] for c in whistle["calls"]] == ["SUMMONED", "SUMMONED"]
    got = (await client.data(GET, {"id": demand["id"]}, w.tokens["c1_worker"]))["demand"]
    assert got["whistle"]["id"] == whistle["id"] and got["events"][-1]["kind"] == "WHISTLE_BLOWN"
    notes = (await client.data(NOTES, token=w.tokens["power_liaison"]))["myNotifications"]["edges"]
    assert [n["node"]["kind"] for n in notes] == ["demands.whistle"]

    power, water = _call_of(whistle, "供电公司"), _call_of(whistle, "自来水公司")
    mine = (await client.data(MY_CALLS, token=w.tokens["power_liaison"]))["myWhistleCalls"]
    assert [(c["id"], c["status"], c["whistle"]["title"]) for c in mine] == [(power, "SUMMONED", "线缆整治")]
    assert (await client.data(MY_CALLS, token=w.tokens["health_liaison"]))["myWhistleCalls"] == []
    refused(
        await call(
            client, REPORT, {"input": {"whistleCallId": power, "commitment": "x"}}, w.tokens["water_liaison"]
        ),
        "FORBIDDEN",
        "whistle",
    )
    refused(
        await call(
            client, COMPLETE, {"input": {"whistleCallId": power, "outcome": "x"}}, w.tokens["power_liaison"]
        ),
        "INVALID_TRANSITION",
        "whistle",
    )
    reported = ok(
        await call(
            client,
            REPORT,
            {"input": {"whistleCallId": power, "commitment": "两天内入户排查"}},
            w.tokens["power_liaison"],
        ),
        "whistle",
    )
    assert next(c for c in reported["calls"] if c["id"] == power)["status"] == "REPORTED"
    refused(
        await call(
            client,
            REPORT,
            {"input": {"whistleCallId": power, "commitment": "again"}},
            w.tokens["power_liaison"],
        ),
        "INVALID_TRANSITION",
        "whistle",
    )
    ok(
        await call(
            client,
            COMPLETE,
            {"input": {"whistleCallId": power, "outcome": "已规整线路"}},
            w.tokens["power_liaison"],
        ),
        "whistle",
    )
    assert (await client.data(MY_CALLS, token=w.tokens["power_liaison"]))["myWhistleCalls"] == []  # DONE
    # Resolving while a call is not DONE is refused.
    refused(
        await call(
            client,
            RESOLVE,
            {"input": {"whistleId": whistle["id"], "resolution": "x"}},
            w.tokens["s1_manager"],
        ),
        "INVALID_TRANSITION",
        "whistle",
    )
    ok(
        await call(
            client,
            REPORT,
            {"input": {"whistleCallId": water, "commitment": "配合"}},
            w.tokens["water_liaison"],
        ),
        "whistle",
    )
    ok(
        await call(
            client,
            COMPLETE,
            {"input": {"whistleCallId": water, "outcome": "完成"}},
            w.tokens["water_liaison"],
        ),
        "whistle",
    )
    refused(
        await call(
            client, RESOLVE, {"input": {"whistleId": whistle["id"], "resolution": "x"}}, w.tokens["c1_worker"]
        ),
        "FORBIDDEN",
        "whistle",
    )
    done = ok(
        await call(
            client,
            RESOLVE,
            {"input": {"whistleId": whistle["id"], "resolution": "联合整治完成"}},
            w.tokens["s1_manager"],
        ),
        "whistle",
    )
    assert (
        done["status"] == "RESOLVED"
        and done["resolvedAt"]
        and {c["status"] for c in done["calls"]} == {"DONE"}
    )
    refused(
        await call(client, CANCEL, {"id": whistle["id"], "r": "x"}, w.tokens["s1_manager"]),
        "INVALID_TRANSITION",
        "whistle",
    )


async def test_who_may_blow_and_bad_whistles(client):
    w = await demands_world()
    refused(await blow(client, w, "c1_worker"), "FORBIDDEN", "whistle")
    refused(await blow(client, w, area=w.c3), "NOT_FOUND", "whistle")  # another subdistrict
    refused(await blow(client, w, area=w.s1), "INVALID_LEVEL", "whistle")
    refused(await blow(client, w, orgs=()), "INVALID_INPUT", "whistle")
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    refused(await blow(client, w, report_by=past), "INVALID_INPUT", "whistle")
    whistle = ok(await blow(client, w, "district_admin"), "whistle")
    refused(
        await call(client, CANCEL, {"id": whistle["id"], "r": " "}, w.tokens["s1_manager"]),
        "INVALID_INPUT",
        "whistle",
    )
    cancelled = ok(
        await call(client, CANCEL, {"id": whistle["id"], "r": "另行处理"}, w.tokens["s1_manager"]), "whistle"
    )
    assert cancelled["status"] == "CANCELLED"
    refused(
        await call(
            client,
            REPORT,
            {"input": {"whistleCallId": _call_of(whistle, "供电公司"), "commitment": "x"}},
            w.tokens["power_liaison"],
        ),
        "INVALID_TRANSITION",
        "whistle",
    )
