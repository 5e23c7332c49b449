"""GraphQL-over-HTTP conformance: the npm package graphql-http's audit against a real server process.

Skipped when node/npm are missing or the npm registry cannot be reached; see
docs/security.md for running it by hand.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIT_DIR = ROOT / "bench" / "graphql-http"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _audit_folder(tmp: Path) -> Path:
    """The audit script with graphql-http installed next to it (reusing bench/graphql-http/node_modules)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed")
    work = tmp / "audit"
    work.mkdir()
    for name in ("package.json", "package-lock.json", "audit.mjs"):
        shutil.copy(AUDIT_DIR / name, work / name)
    installed = AUDIT_DIR / "node_modules"
    if (installed / "graphql-http").is_dir():
        (work / "node_modules").symlink_to(installed, target_is_directory=True)
        return work
    try:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=work,
            check=True,
            capture_output=True,
            timeout=180,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"could not install graphql-http from the npm registry: {exc}")
    return work


def _serve(tmp: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp / 'audit.sqlite3'}",
        "LASTMILE_PLUGINS": "",
        "LASTMILE_ENV": "development",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py"), "serve", "--port", str(port)],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stdout.read().decode(errors='replace')}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    pytest.fail("server did not come up within 60 s")


def test_graphql_http_audit_reports_no_error_and_no_warning(tmp_path):
    work = _audit_folder(tmp_path)
    port = _free_port()
    server = _serve(tmp_path, port)
    try:
        run = subprocess.run(
            ["node", "audit.mjs", f"http://127.0.0.1:{port}/graphql"],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=15)
    out = run.stdout + run.stderr
    summary = [line for line in out.splitlines() if " audits: " in line]
    assert summary, out
    assert run.returncode == 0, out
    assert summary[0].endswith("0 warn, 0 error"), out
    assert " 0 ok" not in summary[0]
