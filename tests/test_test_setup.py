"""The test set-up itself: PostgreSQL runs create their database, and stop in one line when the server is away."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from core.cli import ensure_postgres_database

ROOT = Path(__file__).resolve().parents[1]


def test_unreachable_postgres_stops_the_run_in_one_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LASTMILE_")}
    env["LASTMILE_TEST_DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_smoke.py"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 4  # pytest's usage error: nothing ran
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        "ERROR: PostgreSQL for the tests is unreachable at 127.0.0.1:1"
    ), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_missing_database_is_created(database_url, on_postgres):
    if not on_postgres:
        pytest.skip("PostgreSQL only")
    import asyncpg

    parts = urlsplit(database_url.replace("asyncpg://", "postgres://", 1))
    name = f"lastmile_probe_{uuid.uuid4().hex[:8]}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin_url = urlunsplit(parts._replace(path="/postgres"))

    async def scenario():
        await ensure_postgres_database(url)
        await ensure_postgres_database(url)  # already there: nothing to do
        conn = await asyncpg.connect(url)
        await conn.close()
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE "{name}"')
        finally:
            await admin.close()

    asyncio.run(scenario())  # its own connections: the session's database is not involved
