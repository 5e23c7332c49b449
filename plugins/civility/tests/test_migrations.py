"""The committed migration matches the models (run apart: the autodetector needs its own tortoise context)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio
from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector
from core.db import tortoise_config
from core.plugins import PluginHost

async def main():
    config = tortoise_config("sqlite://:memory:", PluginHost(["civility"]).tortoise_apps())
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    print("CHANGES", len(writers))

asyncio.run(main())
"""


def test_makemigrations_finds_no_changes():
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "CHANGES 0" in out.stdout, out.stdout
