"""Export benchmark: time to first byte, rows per second and the server's memory while it streams.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_1m .venv/bin/lastmile scale --residents 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_1m .venv/bin/python bench/export_bench.py [--port 8303]

Starts `lastmile serve` on the database (signing in as the scale data's admin),
downloads /export/residents.csv and .xlsx, and prints for each the time to the first
byte, the total time and size, and the server process's resident memory before and
at its peak (VmHWM), which stays flat whatever the number of residents.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main(args) -> None:
    env = {**os.environ, "LASTMILE_PLUGINS": "", "LASTMILE_SCHEDULER": "false"}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py"), "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        login = httpx.post(
            base + "/graphql",
            json={"query": 'mutation { login(username: "admin", password: "lastmile-demo") { token } }'},
        ).json()
        if not (login.get("data") or {}).get("login"):
            sys.exit(f"cannot sign in as admin (is this scale data?): {login}")
        token = login["data"]["login"]["token"]
        print(f"server RSS before: {rss_kb(server.pid, 'VmRSS') / 1024:.0f} MB")
        for fmt in ("csv", "xlsx"):
            started = time.perf_counter()
            first = None
            size = 0
            with httpx.stream(
                "GET",
                f"{base}/export/residents.{fmt}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=None,
            ) as response:
                if response.status_code != 200:
                    sys.exit(f"export refused: {response.status_code} {response.read()[:200]!r}")
                for chunk in response.iter_bytes():
                    if first is None:
                        first = time.perf_counter() - started
                    size += len(chunk)
            total = time.perf_counter() - started
            print(
                f"{fmt}: first byte after {first:.2f} s, {size / 1e6:.0f} MB in {total:.1f} s; "
                f"server peak RSS so far {rss_kb(server.pid, 'VmHWM') / 1024:.0f} MB"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8303, help="port for the server (default: %(default)s)")
    main(parser.parse_args())
