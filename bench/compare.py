"""lastmile against PostGraphile v4 on the same database: the same four reads, interleaved.

    # once: a district of a million residents (about two minutes) and PostGraphile's packages
    createdb -h 127.0.0.1 -U postgres bench_1m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_1m .venv/bin/lastmile scale --residents 1000000
    (cd bench/postgraphile && npm ci)

    .venv/bin/python bench/compare.py --database postgres://postgres@127.0.0.1:5432/bench_1m
    .venv/bin/python bench/compare.py --database ... --queries Q4 --lastmile-only      # e.g. search at 10k
    .venv/bin/python bench/compare.py --database sqlite:///tmp/bench.sqlite3 --lastmile-only
    .venv/bin/python bench/compare.py --database ... --memory                           # RSS, 50 clients on Q2

Starts both servers itself on 127.0.0.1 (lastmile: one uvicorn process from this checkout;
PostGraphile: bench/postgraphile/start.sh), checks that both answer every query with the same
data, then runs timed rounds (each query, each server, alternating which goes first) with a
fixed number of connections through autocannon (bench/postgraphile/load.mjs), and prints req/s,
p50 and p99 latency, the ratio lastmile / PostGraphile and SQL statements per request. Every
round lasts --seconds (a round in which fewer requests than connections finish is run again
as 2 x connections requests, waited for up to 10 minutes); the whole run is bounded. Statements are counted outside the timed rounds: lastmile's in-process through
tortoise's statement log (core.testing.count_statements), PostGraphile's from a second instance
started with DEBUG=postgraphile:postgres.

The queries select the same fields one for one, in each server's own naming; neither asks for
totalCount (lastmile on the resolver path counts anyway: that is one of the costs measured).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PEER = ROOT / "bench" / "postgraphile"

# name: (description, lastmile query, PostGraphile query)
QUERIES: dict[str, tuple[str, str, str]] = {
    "Q1": (
        "a page of 100 residents with unit label and compound name",
        "{ residents(first: 100) { edges { node { id name unit { label building { compound { name } } } } } } }",
        "{ allCoreResidents(first: 100, orderBy: ID_ASC) { edges { node { nodeId name"
        " coreUnitByUnitId { label coreAreaByBuildingId { coreAreaByParentId { name } } } } } } }",
    ),
    "Q2": (
        "one community > compounds > buildings > units (first 50) > residents' names",
        "query Q2($id: ID!) { node(id: $id) { ... on Community { name compounds(first: 100) { edges { node {"
        " name buildings { name units(first: 50) { edges { node { label residents { name } } } } } } } } } } }",
        "query Q2($id: Int!) { coreAreaById(id: $id) { name"
        " coreAreasByParentId(first: 100, orderBy: [NAME_ASC, ID_ASC]) { edges { node {"
        " name coreAreasByParentId(orderBy: [NAME_ASC, ID_ASC]) { nodes { name"
        " coreUnitsByBuildingId(first: 50, orderBy: [LABEL_ASC, ID_ASC]) { edges { node { label"
        ' coreResidentsByUnitId(condition: {status: "ACTIVE"}, orderBy: ID_ASC) { nodes { name } } } } } } } } } } } }',
    ),
    "Q3": (
        "one resident by id",
        "query Q3($id: ID!) { node(id: $id) { ... on Resident { id name idNumberMasked phoneMasked unit { label } } } }",
        "query Q3($id: Int!) { coreResidentById(id: $id) { nodeId name idNumberMasked phoneMasked"
        " coreUnitByUnitId { label } } }",
    ),
    "Q4": (
        "name search, first 20",
        "query Q4($term: String!) { residents(first: 20, filter: {search: $term}) { edges { node { id name } } } }",
        "query Q4($term: String!) { allCoreResidents(first: 20, orderBy: ID_ASC,"
        " filter: {name: {includesInsensitive: $term}}) { edges { node { nodeId name } } } }",
    ),
}

# PostGraphile's field names -> lastmile's, to compare the two answers as one shape.
RENAME = {
    "allCoreResidents": "residents",
    "coreAreaById": "node",
    "coreResidentById": "node",
    "coreUnitByUnitId": "unit",
    "coreAreaByBuildingId": "building",
    "coreResidentsByUnitId": "residents",
    "coreUnitsByBuildingId": "units",
    "nodeId": "id",
}


def _ids_to_ints(value):
    """Both servers' global ids down to the row id: lastmile 'Type:pk' / PostGraphile '["table", pk]'."""
    raw = base64.b64decode(value + "=" * (-len(value) % 4)).decode()
    return int(re.findall(r"\d+", raw)[-1])


def normalise(data, path: tuple = ()):
    """One shape for both answers: lastmile's names, ids as row ids, lists as lists."""
    if isinstance(data, list):
        return [normalise(d, path) for d in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        key = RENAME.get(key, key)
        if key == "coreAreasByParentId":  # community > compounds (a connection) > buildings (a list)
            key = "compounds" if "compounds" not in path else "buildings"
        if key == "coreAreaByParentId":  # building > its compound
            key = "compound"
        if key == "nodes" and path and path[-1] in ("buildings", "residents"):
            return normalise(value, path)
        value = normalise(value, (*path, key))
        if isinstance(value, dict) and set(value) == {"nodes"}:
            value = value["nodes"]
        if key == "id" and isinstance(value, str):
            value = _ids_to_ints(value)
        out[key] = value
    return out


def post(url: str, query: str, variables: dict, headers: dict | None = None, timeout: float = 120) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def wait_ready(url: str, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {url} exited with {proc.returncode}")
        try:
            if "data" in post(url, "{ __typename }", {}, timeout=5):
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} not ready after {seconds} s")


def start(cmd: list[str], env: dict, log_path: str) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        cmd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
    )


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn runs in the process itself)."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pids: list[int], limit: float = 180) -> None:
    """Wait until the servers are idle: a round's abandoned requests (whose clients have gone)
    must not run on into the next round."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            before = sum(cpu_seconds(p) for p in pids)
            time.sleep(0.5)
            if sum(cpu_seconds(p) for p in pids) - before < 0.03:
                return
        except OSError:
            return


def load(url: str, body: str, headers: dict, connections: int, seconds: float) -> dict:
    """One timed round; when fewer requests than connections finish in it (each slower than the
    round), a round of 2 x connections requests instead, waited for (at most 10 minutes)."""
    job = {"url": url, "body": body, "headers": headers, "connections": connections, "seconds": seconds}
    out = subprocess.run(
        ["node", str(PEER / "load.mjs"), json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["requests"] >= connections:
        return result
    job = {**job, "amount": 2 * connections, "timeout": 300}
    out = subprocess.run(
        ["node", str(PEER / "load.mjs"), json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


async def fixtures(database: str) -> dict:
    """What the queries need from the data (a community, a resident, a search term, a token),
    and lastmile's SQL statements per query, counted in-process."""
    os.environ["DATABASE_URL"] = database
    import httpx
    from tortoise import Tortoise

    from core import models as m
    from core.api.schema import build_runtime
    from core.app import create_app
    from core.auth import issue_token
    from core.db import close_db, init_db, tortoise_config
    from core.ids import encode_gid
    from core.settings import get_settings
    from core.testing import count_statements

    get_settings.cache_clear()
    settings = get_settings()
    runtime = build_runtime(settings)
    await init_db(tortoise_config(settings.database_url, runtime.host.tortoise_apps()))
    try:
        admin = await m.User.get(username="admin")
        community = await m.Area.filter(level="COMMUNITY").order_by("id").first()
        resident = (
            await m.Resident.filter(community_ref=community.id).order_by("id").offset(500).first()
            or await m.Resident.all().order_by("id").first()
        )
        # A full name (three characters) several residents share: a clerk looking someone up.
        term = None
        for r in await m.Resident.all().order_by("id").limit(200).values_list("name", flat=True):
            if len(r) == 3:
                term = r
                break
        fx = {
            "token": issue_token(admin, settings)[0],
            "community": community.id,
            "community_gid": encode_gid("Community", community.id),
            "resident": resident.id,
            "resident_gid": encode_gid("Resident", resident.id),
            "term": term or "王",
            "residents": await m.Resident.all().count(),
        }
        app = create_app(settings, runtime=runtime, manage_db=False)
        statements = {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            # Steady state: the viewer is loaded (and kept) by a first request, not counted.
            await client.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"authorization": f"Bearer {fx['token']}"},
            )
            for name, (_, lm_query, _) in QUERIES.items():
                variables = lastmile_variables(name, fx)
                with count_statements() as seen:
                    resp = await client.post(
                        "/graphql",
                        json={"query": lm_query, "variables": variables},
                        headers={"authorization": f"Bearer {fx['token']}"},
                    )
                assert resp.status_code == 200 and "errors" not in resp.json(), resp.text[:500]
                statements[name] = len(seen)
        fx["lastmile_statements"] = statements
        return fx
    finally:
        await close_db()
        await Tortoise.close_connections()


def lastmile_variables(name: str, fx: dict) -> dict:
    return {
        "Q2": {"id": fx["community_gid"]},
        "Q3": {"id": fx["resident_gid"]},
        "Q4": {"term": fx["term"]},
    }.get(name, {})


def peer_variables(name: str, fx: dict) -> dict:
    return {"Q2": {"id": fx["community"]}, "Q3": {"id": fx["resident"]}, "Q4": {"term": fx["term"]}}.get(
        name, {}
    )


def peer_statements(database: str, port: int, names: list[str], fx: dict) -> dict[str, float]:
    """SQL statements per request of PostGraphile, from its debug log (an untimed instance)."""
    log_path = f"/tmp/lastmile-bench-postgraphile-debug-{port}.log"
    proc = start([str(PEER / "start.sh"), database, str(port)], {"DEBUG": "postgraphile:postgres"}, log_path)
    url = f"http://127.0.0.1:{port}/graphql"
    counts = {}
    try:
        wait_ready(url, proc)
        line = re.compile(r"^\S+Z postgraphile:postgres ", re.M)
        for name in names:
            time.sleep(0.3)
            before = len(line.findall(Path(log_path).read_text()))
            for _ in range(3):
                post(url, QUERIES[name][2], peer_variables(name, fx))
            time.sleep(0.5)
            counts[name] = (len(line.findall(Path(log_path).read_text())) - before) / 3
    finally:
        stop(proc)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--database", required=True, help="postgres://... or sqlite://path (then --lastmile-only)"
    )
    ap.add_argument("--queries", default="Q1,Q2,Q3,Q4")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8, help="length of one timed round")
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--lastmile-only", action="store_true")
    ap.add_argument("--memory", action="store_true", help="also: RSS under 50 clients on Q2, and after")
    ap.add_argument("--port", type=int, default=9701, help="lastmile's port; PostGraphile uses port+1 and +2")
    ap.add_argument(
        "--plugins",
        default=os.environ.get("LASTMILE_PLUGINS", ""),
        help="LASTMILE_PLUGINS for the lastmile server (default: core only)",
    )
    args = ap.parse_args()
    names = [q.strip() for q in args.queries.split(",") if q.strip()]
    peer = not args.lastmile_only and args.database.startswith("postgres")
    os.environ["LASTMILE_PLUGINS"] = args.plugins
    # Q2 (a whole community, 8,805 residents) costs far more than the default static budget of
    # docs/security.md allows an ordinary request: the benchmark lifts it on purpose, as an
    # operator would for a dashboard.
    os.environ.setdefault("LASTMILE_MAX_QUERY_COST", "100000000")
    # The operation log as production writes it (one JSON line), not the development console.
    os.environ.setdefault("LASTMILE_LOG_FORMAT", "json")

    fx = asyncio.run(fixtures(args.database))
    print(
        f"database {args.database.split('@')[-1]}: {fx['residents']:,} residents; "
        f"Q2 community {fx['community']}, Q3 resident {fx['resident']}, Q4 term {fx['term']!r}"
    )
    lm_url = f"http://127.0.0.1:{args.port}/graphql"
    pg_url = f"http://127.0.0.1:{args.port + 1}/graphql"
    lm_headers = {"authorization": f"Bearer {fx['token']}"}
    lm = pg = None
    try:
        # A pool of 10 connections, as PostGraphile's (tortoise's default is 5).
        lm_database = args.database
        if lm_database.startswith("postgres") and "maxsize=" not in lm_database:
            lm_database += ("&" if "?" in lm_database else "?") + "maxsize=10"
        lm = start(
            [
                str(ROOT / ".venv" / "bin" / "lastmile"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(args.port),
            ],
            {"DATABASE_URL": lm_database},
            f"/tmp/lastmile-bench-{args.port}.log",
        )
        if peer:
            pg = start(
                [str(PEER / "start.sh"), args.database, str(args.port + 1)],
                {},
                f"/tmp/lastmile-bench-postgraphile-{args.port + 1}.log",
            )
        wait_ready(lm_url, lm)
        if pg:
            wait_ready(pg_url, pg)
        idle_rss = rss_mb(lm.pid)
        # Same data from both, field for field (and a warm-up).
        for name in names:
            mine = post(lm_url, QUERIES[name][1], lastmile_variables(name, fx), lm_headers)
            assert "errors" not in mine, f"lastmile {name}: {mine['errors']}"
            if pg:
                theirs = post(pg_url, QUERIES[name][2], peer_variables(name, fx))
                assert "errors" not in theirs, f"PostGraphile {name}: {theirs['errors']}"
                if normalise(theirs["data"]) != normalise(mine["data"]):
                    raise SystemExit(f"{name}: the two servers answer different data")
        print("both servers answer the same data" if pg else "lastmile only")

        results: dict[tuple[str, str], list[dict]] = {}
        for r in range(args.rounds):
            for name in names:
                servers = [("lastmile", lm_url, QUERIES[name][1], lastmile_variables(name, fx), lm_headers)]
                if pg:
                    servers.append(("PostGraphile", pg_url, QUERIES[name][2], peer_variables(name, fx), {}))
                if r % 2:
                    servers.reverse()
                for server, url, query, variables, headers in servers:
                    body = json.dumps({"query": query, "variables": variables})
                    settle([p.pid for p in (lm, pg) if p])
                    res = load(url, body, headers, args.connections, args.seconds)
                    results.setdefault((name, server), []).append(res)
                    print(
                        f"  round {r + 1} {name} {server:12} {res['rps']:8.1f} req/s  p50 {res['p50']:7.1f} ms"
                        f"  p99 {res['p99']:7.1f} ms  errors {res['errors']}",
                        flush=True,
                    )
        settle([lm.pid])
        busy_rss = rss_mb(lm.pid)

        memory = None
        if args.memory:
            peak = 0.0
            body = json.dumps({"query": QUERIES["Q2"][1], "variables": lastmile_variables("Q2", fx)})
            job = subprocess.Popen(
                [
                    "node",
                    str(PEER / "load.mjs"),
                    json.dumps(
                        {
                            "url": lm_url,
                            "body": body,
                            "headers": lm_headers,
                            "connections": 50,
                            "seconds": 30,
                            "timeout": 60,
                        }
                    ),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            while job.poll() is None:
                peak = max(peak, rss_mb(lm.pid))
                time.sleep(0.5)
            fifty = json.loads(job.stdout.read().strip().splitlines()[-1])
            gone = time.monotonic()
            settle([lm.pid], limit=300)  # the clients are gone: how long the server works on
            busy_after = time.monotonic() - gone
            peak = max(peak, rss_mb(lm.pid))
            time.sleep(15)
            memory = {
                "idle": idle_rss,
                "peak": peak,
                "after": rss_mb(lm.pid),
                "load": fifty,
                "busy_after": busy_after,
            }
    finally:
        stop(lm)
        stop(pg)

    pg_statements = peer_statements(args.database, args.port + 2, names, fx) if pg else {}
    print()
    print(
        f"{args.connections} connections, {args.rounds} rounds of {args.seconds:g} s per query and server; "
        "req/s over all rounds, p50/p99 the median of the rounds'"
    )
    if pg:
        print(
            "| query | lastmile req/s | p50 ms | p99 ms | SQL/req | PostGraphile req/s | p50 ms | p99 ms | SQL/req "
            "| ratio |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    else:
        print("| query | lastmile req/s | p50 ms | p99 ms | SQL/req |")
        print("| --- | ---: | ---: | ---: | ---: |")

    def summary(rows: list[dict]) -> tuple[float, float, float]:
        rps = sum(r["requests"] for r in rows) / sum(r["seconds"] for r in rows)
        return rps, statistics.median(r["p50"] for r in rows), statistics.median(r["p99"] for r in rows)

    for name in names:
        rps, p50, p99 = summary(results[(name, "lastmile")])
        line = f"| {name} {QUERIES[name][0]} | {rps:,.1f} | {p50:,.1f} | {p99:,.1f} | {fx['lastmile_statements'][name]} |"
        if pg:
            prps, pp50, pp99 = summary(results[(name, "PostGraphile")])
            st = pg_statements.get(name)
            line += (
                f" {prps:,.1f} | {pp50:,.1f} | {pp99:,.1f} | {st:g} | {rps / prps:.2f} |"
                if st is not None
                else f" {prps:,.1f} | {pp50:,.1f} | {pp99:,.1f} | n/a | {rps / prps:.2f} |"
            )
        print(line)
    errors = sum(r["errors"] for rows in results.values() for r in rows)
    print(
        f"\nerrors (socket, timeout, non-2xx): {errors}; lastmile RSS idle {idle_rss:.0f} MB, "
        f"after the rounds {busy_rss:.0f} MB"
    )
    if memory:
        ld = memory["load"]
        print(
            f"50 clients on Q2 for 30 s: {ld['rps']:.1f} req/s, p50 {ld['p50']:.0f} ms, errors {ld['errors']}; "
            f"lastmile RSS idle {memory['idle']:.0f} MB, peak {memory['peak']:.0f} MB, "
            f"15 s after {memory['after']:.0f} MB; the server kept working {memory['busy_after']:.0f} s "
            "after the clients had gone"
        )


if __name__ == "__main__":
    main()
