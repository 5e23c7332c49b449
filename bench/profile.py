"""Where a benchmark query's time goes in the lastmile server: py-spy under load.

    .venv/bin/pip install -e '.[bench]'     # py-spy
    .venv/bin/python bench/profile.py --database postgres://postgres@127.0.0.1:5432/bench_1m --query Q3

Starts ``lastmile serve`` (as bench/compare.py does), sends the query from autocannon for
--seconds with --connections, records the server with ``py-spy record`` meanwhile and prints
the functions with the most samples, own time and cumulative (``--flame out.svg`` also writes
a flame graph).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", required=True)
    ap.add_argument("--query", default="Q3")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--port", type=int, default=9711)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--flame", help="also write a flame graph (SVG) here")
    args = ap.parse_args()
    os.environ.setdefault("LASTMILE_MAX_QUERY_COST", "100000000")
    os.environ.setdefault("LASTMILE_LOG_FORMAT", "json")
    fx = asyncio.run(compare.fixtures(args.database))
    url = f"http://127.0.0.1:{args.port}/graphql"
    database = args.database
    if database.startswith("postgres") and "maxsize=" not in database:
        database += ("&" if "?" in database else "?") + "maxsize=10"
    server = compare.start(
        [
            str(compare.ROOT / ".venv" / "bin" / "lastmile"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
        ],
        {"DATABASE_URL": database},
        f"/tmp/lastmile-profile-{args.port}.log",
    )
    raw = f"/tmp/lastmile-profile-{args.port}.txt"
    try:
        compare.wait_ready(url, server)
        headers = {"authorization": f"Bearer {fx['token']}"}
        query = compare.QUERIES[args.query][1]
        variables = compare.lastmile_variables(args.query, fx)
        compare.post(url, query, variables, headers)  # warm: plan cache, viewer cache
        spy = subprocess.Popen(
            [
                str(compare.ROOT / ".venv" / "bin" / "py-spy"),
                "record",
                "--pid",
                str(server.pid),
                "--duration",
                str(int(args.seconds)),
                "--format",
                "raw",
                "--output",
                raw,
                "--nonblocking",
                "--rate",
                "200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result = compare.load(
            url, json.dumps({"query": query, "variables": variables}), headers, args.connections, args.seconds
        )
        spy.wait(timeout=60)
        if args.flame:
            subprocess.run(
                [
                    str(compare.ROOT / ".venv" / "bin" / "py-spy"),
                    "record",
                    "--pid",
                    str(server.pid),
                    "--duration",
                    "5",
                    "--output",
                    args.flame,
                    "--nonblocking",
                ],
                check=False,
            )
    finally:
        compare.stop(server)
    print(f"{args.query}: {result['rps']:.1f} req/s, p50 {result['p50']} ms, p99 {result['p99']} ms")
    own, cumulative, total = collections.Counter(), collections.Counter(), 0
    for line in Path(raw).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            cumulative[frame] += n
    print(f"{total} samples\n-- own time")
    for frame, n in own.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {frame}")
    print("-- cumulative")
    for frame, n in cumulative.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
