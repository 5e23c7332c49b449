"""Do the models match the committed migrations? (``python -m core.migration_check [apps...]``)

Prints the apps whose models changed without a migration and exits 1 if any
did. Writes nothing: it runs tortoise's autodetector without its writer.
"""

from __future__ import annotations

import asyncio
import sys

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from core.db import tortoise_config
from core.plugins import PluginHost


async def pending_changes(plugin_names: list[str] | None = None) -> list[str]:
    host = PluginHost(plugin_names)
    config = tortoise_config("sqlite://:memory:", host.tortoise_apps())
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        detector = MigrationAutodetector(ctx.apps, config["apps"])
        writers = await detector.changes()
        await ctx.close_connections()
    return [f"{w.app_label}.{w.name}" for w in writers]


def main() -> int:
    names = [n for n in sys.argv[1:] if n] if len(sys.argv) > 1 else None
    changes = asyncio.run(pending_changes(names))
    for change in changes:
        print(f"missing migration: {change}")
    return 1 if changes else 0


if __name__ == "__main__":
    sys.exit(main())
