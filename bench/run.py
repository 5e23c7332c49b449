"""Benchmarks: latency, throughput, SQL statements and memory of typical requests.

    .venv/bin/python bench/run.py [--rounds 30] [--residents 3000]

Uses DATABASE_URL if it is set (PostgreSQL: a database this may wipe!),
otherwise a fresh SQLite file in a temp dir. Loads the demo district with
core only (LASTMILE_PLUGINS="" unless set), then runs each request through
the ASGI app in-process (no network) and prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = {
    "residents page (100 rows, nested unit/community)": """
      { residents(first: 100) { totalCount edges { node { id name age idNumberMasked phoneMasked tags
        unit { label building { name } } community { name } } } } }""",
    "full tree (district > ... > residents, all rows)": """
      { districts { name residentCount subdistricts { name communities(first: 100) { edges { node { name unitCount
        compounds(first: 100) { edges { node { name buildings { name units(first: 500) { edges { node { label
          residents { name idNumberMasked } } } } } } } } } } } } } }""",
    "one resident by node id": None,  # filled in after the data exists
    "filtered residents (tag + age + area)": """
      { residents(first: 50, filter: {tags: ["elderly-alone"], minAge: 70}) { totalCount edges { node { name age } } } }""",
}


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--residents", type=int, default=3000)
    args = ap.parse_args()
    os.environ.setdefault("LASTMILE_PLUGINS", "")
    # The full tree asks for every level at full page size: its static cost is far over the
    # default budget by design (docs/security.md, "Bounded work"). The bench measures the
    # executor, so it lifts the budget and the object cap (the checks themselves still run).
    os.environ.setdefault("LASTMILE_MAX_QUERY_COST", str(10**12))
    os.environ.setdefault("LASTMILE_MAX_RESOLVED_OBJECTS", str(10**9))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = "sqlite://" + os.path.join(tempfile.mkdtemp(), "bench.sqlite3")

    import httpx
    from tortoise import Tortoise

    from core import models as m
    from core.api.relay import gid_of
    from core.api.schema import build_runtime
    from core.app import create_app
    from core.auth import issue_token
    from core.db import close_db, init_db, migrate, tortoise_config
    from core.demo import load_demo
    from core.settings import get_settings
    from core.testing import count_statements

    settings = get_settings()
    runtime = build_runtime(settings)
    config = tortoise_config(settings.database_url, runtime.host.tortoise_apps())
    await migrate(config)
    await Tortoise.close_connections()
    await init_db(config)
    if not await m.Area.exists():
        t0 = time.perf_counter()
        await load_demo(runtime.host, args.residents)
        print(f"demo data: {await m.Resident.all().count()} residents in {time.perf_counter() - t0:.1f} s")
    admin = await m.User.get(username="admin")
    token = issue_token(admin, settings)[0]
    one = await m.Resident.all().order_by("id").first()
    QUERIES["one resident by node id"] = (
        f'{{ node(id: "{gid_of(one)}") {{ ... on Resident {{ name unit {{ label }} }} }} }}'
    )

    app = create_app(settings, runtime=runtime, manage_db=False)
    headers = {"Authorization": f"Bearer {token}"}
    print(f"database: {settings.database_url.split('@')[-1]}; rounds per query: {args.rounds}")
    print(f"{'request':55} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'SQL':>4} {'KiB':>8}")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for label, query in QUERIES.items():
            with count_statements() as stmts:
                first = await client.post("/graphql", json={"query": query}, headers=headers)
            body = first.json()
            assert not body.get("errors"), body.get("errors")
            times = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                resp = await client.post("/graphql", json={"query": query}, headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200
            # Memory in a separate pass: tracemalloc slows everything it watches.
            tracemalloc.start()
            await client.post("/graphql", json={"query": query}, headers=headers)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(
                f"{label:55} {statistics.median(times):8.1f} {p95:8.1f} {1000 / statistics.mean(times):7.1f} "
                f"{len(stmts):4d} {peak / 1024:8.0f}"
            )
        # Concurrency: 8 clients at once on the residents page.
        query = QUERIES["residents page (100 rows, nested unit/community)"]
        t0 = time.perf_counter()
        n = args.rounds * 4
        sem = asyncio.Semaphore(8)

        async def one_call():
            async with sem:
                r = await client.post("/graphql", json={"query": query}, headers=headers)
                assert r.status_code == 200

        await asyncio.gather(*(one_call() for _ in range(n)))
        print(
            f"{'residents page, 8 concurrent clients':55} {'':8} {'':8} {n / (time.perf_counter() - t0):7.1f}"
        )
    print(f"max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    await close_db()


if __name__ == "__main__":
    asyncio.run(main())
