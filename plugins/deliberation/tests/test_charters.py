"""1+1+1: versioned rules and covenant, a venue per area, and coverage below an area."""

from __future__ import annotations

from core.api.relay import gid_of
from core.enums import AreaLevel
from core.testing import count_statements, make_area
from plugins.deliberation.tests.helpers import (
    ADOPT,
    CHARTER_FIELDS,
    VENUE,
    call,
    delib_world,
    held_meeting_with,
    ok,
    refused,
)

CHARTER = f"query($a: ID!) {{ areaCharter(areaId: $a) {{ {CHARTER_FIELDS} }} }}"
COVERAGE = """query($a: ID!, $n: Int) { charterCoverage(areaId: $a) { areas withRules withCovenant withVenue complete
  incomplete(first: $n) { area { id name } complete rules { version } covenant { version } venue { name } } } }"""


async def adopt(client, w, area, kind, text, on, token="c1_worker", meeting=None):
    data = {"areaId": gid_of(area), "kind": kind, "text": text, "adoptedOn": on}
    if meeting:
        data["meetingId"] = meeting
    return await call(client, ADOPT, {"input": data}, w.tokens[token], "adoptCharterDocument")


async def venue(client, w, area, name, token="c1_worker", **extra):
    return await call(
        client,
        VENUE,
        {"input": {"areaId": gid_of(area), "name": name, **extra}},
        w.tokens[token],
        "setMeetingVenue",
    )


async def test_rules_and_covenant_are_versioned_with_history_newest_first(client):
    w = await delib_world()
    empty = (await client.data(CHARTER, {"a": gid_of(w.compound1)}, w.tokens["c1_worker"]))["areaCharter"]
    assert empty["rules"] is None and empty["covenant"] is None and empty["venue"] is None
    assert empty["complete"] is False and empty["history"] == []
    meeting = await held_meeting_with(client, w)
    one = ok(
        await adopt(client, w, w.compound1, "RULES", "议事准则第一版", "2026-01-05", meeting=meeting["id"]),
        "charter",
    )
    assert one["rules"]["version"] == 1 and one["rules"]["adoptedAt"] == {"id": meeting["id"]}
    ok(await adopt(client, w, w.compound1, "COVENANT", "居民公约", "2026-01-06"), "charter")
    ok(await adopt(client, w, w.compound1, "RULES", "议事准则第二版", "2026-03-01"), "charter")
    three = ok(await adopt(client, w, w.compound1, "RULES", "议事准则第三版", "2026-03-01"), "charter")
    assert three["rules"]["version"] == 3 and three["rules"]["text"] == "议事准则第三版"
    assert [(d["kind"], d["version"]) for d in three["history"]] == [("RULES", 2), ("RULES", 1)]
    assert three["covenant"]["version"] == 1 and three["complete"] is False
    done = ok(
        await venue(client, w, w.compound1, "楼院议事亭", address="幸福小区3号楼旁", capacity=30), "charter"
    )
    assert done["complete"] is True and done["venue"] == {
        "name": "楼院议事亭",
        "address": "幸福小区3号楼旁",
        "capacity": 30,
    }
    moved = ok(await venue(client, w, w.compound1, "社区活动室"), "charter")
    assert moved["venue"] == {"name": "社区活动室", "address": None, "capacity": None}
    # An earlier date than the current version's, an area out of scope, a building: refused.
    refused(await adopt(client, w, w.compound1, "RULES", "x", "2025-01-01"), "charter", "INVALID_INPUT")
    refused(
        await adopt(client, w, w.compound1, "RULES", "x", "2026-04-01", token="c2_worker"),
        "charter",
        "NOT_FOUND",
    )
    refused(await adopt(client, w, w.building1, "RULES", "x", "2026-04-01"), "charter", "INVALID_LEVEL")
    refused(
        await adopt(client, w, w.compound1, "RULES", "x", "2026-04-01", token="resident"),
        "charter",
        "FORBIDDEN",
    )
    # Residents read the charter of where they live; others get null.
    mine = (await client.data(CHARTER, {"a": gid_of(w.compound1)}, w.tokens["resident"]))["areaCharter"]
    assert mine["rules"]["version"] == 3 and mine["complete"] is True
    assert (await client.data(CHARTER, {"a": gid_of(w.compound1)}, w.tokens["wang"]))["areaCharter"] is None


async def test_coverage_counts_communities_and_compounds_below_an_area(client):
    w = await delib_world()
    await make_area(AreaLevel.COMPOUND, "平安小区", w.c1)
    # c1: rules + covenant + venue (complete); compound1: rules only; extra: nothing; c2 (other subdistrict part): venue.
    for kind in ("RULES", "COVENANT"):
        ok(await adopt(client, w, w.c1, kind, "text", "2026-01-01"), "charter")
    ok(await venue(client, w, w.c1, "社区议事厅"), "charter")
    ok(await adopt(client, w, w.compound1, "RULES", "text", "2026-01-01"), "charter")
    ok(await venue(client, w, w.c2, "中安街议事厅", token="c2_worker"), "charter")
    c1 = (await client.data(COVERAGE, {"a": gid_of(w.c1)}, w.tokens["c1_worker"]))["charterCoverage"]
    assert (c1["areas"], c1["withRules"], c1["withCovenant"], c1["withVenue"], c1["complete"]) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert [a["area"]["name"] for a in c1["incomplete"]] == ["平安小区", "幸福小区"]
    assert c1["incomplete"][1]["rules"] == {"version": 1} and c1["incomplete"][1]["complete"] is False
    s1 = (await client.data(COVERAGE, {"a": gid_of(w.s1), "n": 1}, w.tokens["s1_manager"]))["charterCoverage"]
    # s1 holds c1 (+2 compounds) and c2 (+1 compound).
    assert (s1["areas"], s1["withRules"], s1["withVenue"], s1["complete"]) == (5, 2, 2, 1)
    assert [a["area"]["name"] for a in s1["incomplete"]] == ["和谐家园"]
    # A community worker of c2 counts only what they may see.
    district = (await client.data(COVERAGE, {"a": gid_of(w.district)}, w.tokens["c2_worker"]))[
        "charterCoverage"
    ]
    assert (district["areas"], district["withRules"], district["withVenue"]) == (2, 0, 1)
    body = await client(COVERAGE, {"a": gid_of(w.c1)}, w.tokens["c2_worker"], errors_ok=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Aggregated in the database: the same few statements however many areas.
    await client.data(COVERAGE, {"a": gid_of(w.district)}, w.tokens["super"])  # the viewer is cached now
    with count_statements() as sql:
        await client.data(COVERAGE, {"a": gid_of(w.district), "n": 50}, w.tokens["super"])
    few = len(sql)
    for i in range(8):
        await make_area(AreaLevel.COMPOUND, f"新小区{i}", w.c3)
    with count_statements() as sql:
        many = (await client.data(COVERAGE, {"a": gid_of(w.district), "n": 50}, w.tokens["super"]))[
            "charterCoverage"
        ]
    assert len(sql) == few and len(many["incomplete"]) == many["areas"] - many["complete"] == 14
