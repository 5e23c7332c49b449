"""The plugin's footprint in the schema, and bounded SQL for nested lists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.testing import build_world, count_statements
from plugins.volunteers.tests.helpers import (
    CHECK_IN,
    CREATE_TEAM,
    JOIN_TEAM,
    direct_volunteers,
    gid_of,
    ok,
    open_activity,
    residents_in,
    sign_up,
)

INTROSPECT = """{ volunteer: __type(name: "Volunteer") { name }
  resident: __type(name: "Resident") { fields { name } }
  community: __type(name: "Community") { fields { name } }
  query: __type(name: "Query") { fields { name } }
  mutation: __type(name: "Mutation") { fields { name } } }"""


def _names(t) -> set[str]:
    return {f["name"] for f in t["fields"]}


async def test_schema_without_the_plugin_has_no_trace_of_it(client, core_client):
    w = await build_world()
    without = await core_client.data(INTROSPECT, token=w.tokens["super"])
    assert without["volunteer"] is None
    assert "volunteer" not in _names(without["resident"])
    assert "volunteerStats" not in _names(without["community"])
    assert not {
        n for n in _names(without["query"]) | _names(without["mutation"]) if "olunteer" in n or "ignup" in n
    }
    roles = await core_client.data("{ roles { name permissions } }", token=w.tokens["super"])
    assert not [
        r
        for r in roles["roles"]
        if r["name"] == "volunteer_coordinator" or any(p.startswith("volunteers.") for p in r["permissions"])
    ]

    with_it = await client.data(INTROSPECT, token=w.tokens["super"])
    assert with_it["volunteer"] == {"name": "Volunteer"}
    assert "volunteer" in _names(with_it["resident"]) and "volunteerStats" in _names(with_it["community"])


NESTED = """{ volunteers { totalCount edges { node { id status skills verifiedHours totalHours
  resident { name } teams { name memberCount leader { id } }
  signups { totalCount edges { node { status activity { title team { name } area { name } signupCount } } } } } } } }"""
RESIDENTS = (
    """{ residents(first: 100) { edges { node { name volunteer { id totalHours teams { name } } } } } }"""
)
ACTIVITIES = """{ volunteerActivities { edges { node { title team { name members { totalCount } }
  signups { edges { node { status volunteer { resident { name } verifiedHours } } } } } } } }"""


async def _populate(client, w, n: int) -> None:
    su = w.tokens["super"]
    volunteers = await direct_volunteers(await residents_in(w.unit1, n, prefix=f"志愿者{n}-"))
    team = (
        await ok(client, CREATE_TEAM, {"name": f"队{n}", "area": gid_of(w.c1)}, su, "createVolunteerTeam")
    )["team"]["id"]
    activities = [
        await open_activity(client, su, gid_of(w.c1), starts=-1, title=f"活动{n}-{i}") for i in range(2)
    ]
    for v in volunteers:
        await ok(client, JOIN_TEAM, {"t": team, "v": gid_of(v)}, su, "joinVolunteerTeam")
        for a in activities:
            s = await sign_up(client, su, a, gid_of(v))
            await ok(client, CHECK_IN, {"s": s["id"]}, su, "checkIn")


async def test_nested_lists_cost_a_bounded_number_of_statements(client):
    w = await build_world()
    su = w.tokens["super"]
    await _populate(client, w, 2)
    with count_statements() as small:
        small_data = await client.data(NESTED, token=su)
        await client.data(ACTIVITIES, token=su)
        await client.data(RESIDENTS, token=su)
    assert small_data["volunteers"]["totalCount"] == 2
    await _populate(client, w, 6)
    with count_statements() as large:
        large_data = await client.data(NESTED, token=su)
        acts = await client.data(ACTIVITIES, token=su)
        residents = await client.data(RESIDENTS, token=su)
    assert large_data["volunteers"]["totalCount"] == 8
    assert len(acts["volunteerActivities"]["edges"]) == 4
    assert sum(len(e["node"]["signups"]["edges"]) for e in acts["volunteerActivities"]["edges"]) == 16
    assert sum(1 for e in residents["residents"]["edges"] if e["node"]["volunteer"]) == 8
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 40  # three operations, each a fixed handful of statements


DETECT = """
import asyncio
from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector
from core.db import tortoise_config
from core.plugins import PluginHost

async def main():
    config = tortoise_config("sqlite://:memory:", PluginHost(["volunteers"]).tortoise_apps())
    apps = {label: dict(app) for label, app in config["apps"].items()}
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, apps).changes()
    print(len([w for w in writers if w.app_label == "volunteers"]))

asyncio.run(main())
"""


def test_migrations_match_the_models():
    """The autodetector (in a separate process: it builds its own tortoise
    context) finds no model change the migrations lack."""
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", DETECT], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"
