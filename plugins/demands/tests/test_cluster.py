"""Two real server processes on one PostgreSQL database run the scheduled jobs: every
notification and every AUTO_CLOSED event exists exactly once (docs/architecture.md,
"Scheduled work"). Each instance schedules every job once a second
(LASTMILE_DEMANDS_JOB_SECONDS=1); the job row lock and the claims decide who acts."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from core import models as m
from core.api.relay import gid_of
from core.db import is_postgres
from plugins.demands.models import Demand, DemandEvent, WhistleCall
from plugins.demands.tests.helpers import BLOW, call, demands_world, ok, to_accepted, to_delivered

ROOT = Path(__file__).resolve().parents[3]
PORTS = (8131, 8132)  # this plugin's test range

pytestmark = pytest.mark.skipif(
    not is_postgres(os.environ.get("LASTMILE_TEST_DATABASE_URL", "")),
    reason="needs PostgreSQL (LASTMILE_TEST_DATABASE_URL)",
)


def _start(port: int, database_url: str):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LASTMILE_PLUGINS": "demands",
        "LASTMILE_SCHEDULER": "true",
        "LASTMILE_DEMANDS_JOB_SECONDS": "1",
        "LASTMILE_LOG_LEVEL": "WARNING",
    }
    for name in ("LASTMILE_PLUGINS_FILE", "LASTMILE_REDIS_URL"):
        env.pop(name, None)
    log = tempfile.NamedTemporaryFile(prefix=f"demands-{port}-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, log.name


def _ready(proc, port: int, log: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(Path(log).read_text())
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"server on {port} never became ready:\n{Path(log).read_text()}")


async def _runs(name: str) -> int:
    row = await m.ScheduledJobState.get_or_none(name=name)
    return row.runs if row else 0


async def test_two_instances_act_exactly_once(client, database_url):
    w = await demands_world()
    now = dt.datetime.now(dt.UTC)
    overdue = []
    for _ in range(3):
        demand = await to_accepted(client, w, "property", "power")
        await Demand.filter(ledger_number=demand["ledgerNumber"]).update(due_at=now - dt.timedelta(hours=1))
        overdue.append(demand)
    stale = []
    for _ in range(2):
        demand = await to_delivered(client, w)
        await Demand.filter(ledger_number=demand["ledgerNumber"]).update(
            delivered_at=now - dt.timedelta(days=15)
        )
        stale.append(demand)
    ok(
        await call(
            client,
            BLOW,
            {
                "input": {
                    "areaId": gid_of(w.compound1),
                    "title": "线缆整治",
                    "description": "飞线",
                    "organizationIds": [gid_of(w.orgs["power"]), gid_of(w.orgs["water"])],
                    "reportBy": (now + dt.timedelta(hours=1)).isoformat(),
                }
            },
            w.tokens["s1_manager"],
        ),
        "whistle",
    )
    await WhistleCall.all().update(report_by=now - dt.timedelta(minutes=1))

    servers = []
    try:
        for port in PORTS:
            proc, log = _start(port, database_url)
            servers.append((proc, port, log))
        for proc, port, log in servers:
            _ready(proc, port, log)
        # Let both instances tick many times over the same work.
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if (
                min(
                    [
                        await _runs(n)
                        for n in ("demands.overdue", "demands.auto_close", "demands.whistle.late")
                    ]
                )
                >= 6
            ):
                break
            await asyncio.sleep(0.5)
        for name in ("demands.overdue", "demands.auto_close", "demands.whistle.late"):
            assert await _runs(name) >= 6, name
    finally:
        for proc, _port, _log in servers:
            proc.terminate()
        for proc, _port, log in servers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            with contextlib.suppress(OSError):
                os.unlink(log)

    for name in ("property_liaison", "power_liaison", "c1_worker"):
        assert await m.Notification.filter(user_id=w.users[name].id, kind="demands.overdue").count() == 3, (
            name
        )
    assert await DemandEvent.filter(kind="OVERDUE").count() == 3
    assert await DemandEvent.filter(kind="AUTO_CLOSED").count() == 2
    assert await Demand.filter(status="CLOSED").count() == 2
    for name in ("power_liaison", "water_liaison"):
        assert (
            await m.Notification.filter(user_id=w.users[name].id, kind="demands.whistle.late").count() == 1
        ), name
    assert (
        await m.Notification.filter(user_id=w.users["s1_manager"].id, kind="demands.whistle.late").count()
        == 2
    )
