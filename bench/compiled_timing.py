"""In-process timing of the benchmark queries Q1-Q4: compiled reads vs the resolvers.

    .venv/bin/python bench/compiled_timing.py                      # SQLite, a fresh temp database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb .venv/bin/python bench/compiled_timing.py

Loads the demo district (all plugins) into an EMPTY database (refuses a
non-empty one), then runs each query ROUNDS times per path through the ASGI
app (no network) as the district admin, interleaved, and prints the mean and
median milliseconds per request and the speed-up. bench/ (the PostGraphile
comparison) measures throughput over HTTP; this is the quick check.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROUNDS = int(os.environ.get("ROUNDS", "30"))

QUERIES = {
    "Q1 page of 100 residents": (
        "{ residents(first: 100) { edges { node { name unit { label building { compound { name } } } } } } }",
        None,
    ),
    "Q2 community dashboard": (
        """query($id: ID!) { node(id: $id) { ... on Community { name compounds(first: 100) { edges { node {
        name buildings { name units(first: 50) { edges { node { label residents { name } } } } } } } } } } }""",
        "community",
    ),
    "Q3 resident by id": (
        "query($id: ID!) { node(id: $id) { id ... on Resident { name gender birthDate idNumberMasked phoneMasked } } }",
        "resident",
    ),
    "Q4 name search first 20": (
        '{ residents(first: 20, filter: {search: "王"}) { edges { node { id name } } } }',
        None,
    ),
}


async def main():
    url = os.environ.get("DATABASE_URL") or "sqlite://" + os.path.join(tempfile.mkdtemp(), "timing.sqlite3")
    os.environ["DATABASE_URL"] = url
    from core import models as m
    from core.api.relay import gid_of
    from core.api.schema import build_runtime
    from core.app import create_app
    from core.db import close_db, init_db, migrate, tortoise_config
    from core.demo import database_is_empty, load_demo
    from core.plugins import PluginHost
    from core.settings import get_settings
    from core.testing import GraphQLClient, token_for

    host = PluginHost(None)
    config = tortoise_config(url, host.tortoise_apps())
    await migrate(config)
    await init_db(config)
    if not await database_is_empty():
        raise SystemExit("the database is not empty: give an empty one")
    await load_demo(host, residents_target=int(os.environ.get("RESIDENTS", "3000")))
    admin = await m.User.get(username="admin")
    token = token_for(admin)
    community = await m.Area.filter(level="COMMUNITY").order_by("id").first()
    resident = await m.Resident.all().order_by("id").first()
    ids = {"community": gid_of(community), "resident": gid_of(resident)}
    apps = {}
    for label, compile_reads in (("resolvers", False), ("compiled", True)):
        settings = get_settings().model_copy(update={"compile_reads": compile_reads})
        apps[label] = GraphQLClient(
            create_app(settings, runtime=build_runtime(settings, PluginHost(None)), manage_db=False)
        )
    print(f"database: {url.split('@')[-1]}, residents: {await m.Resident.all().count()}, rounds: {ROUNDS}")
    print(f"{'query':28} {'resolvers ms':>14} {'compiled ms':>12} {'speed-up':>9}")
    for name, (query, var) in QUERIES.items():
        variables = {"id": ids[var]} if var else None
        times = {label: [] for label in apps}
        bodies = {}
        for _ in range(ROUNDS + 2):
            for label, client in apps.items():
                t0 = time.perf_counter()
                body = await client(query, variables, token)
                times[label].append((time.perf_counter() - t0) * 1000)
                bodies[label] = body
        assert bodies["resolvers"] == bodies["compiled"], name
        med = {k: statistics.median(v[2:]) for k, v in times.items()}
        print(
            f"{name:28} {med['resolvers']:14.2f} {med['compiled']:12.2f} {med['resolvers'] / med['compiled']:8.1f}x"
        )
    for client in apps.values():
        await client.http.aclose()
    await close_db()


if __name__ == "__main__":
    asyncio.run(main())
