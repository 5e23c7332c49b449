"""Developer tool: write migrations for core or a plugin after changing its models.

    python -m core.makemigrations core
    python -m core.makemigrations mediation

Runs tortoise's own ``makemigrations`` with core first in the app list, so a
plugin's migration records its dependency on core's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

from core.db import tortoise_config
from core.plugins import PluginHost


def main(argv: list[str]) -> int:
    # Core is always selected: tortoise resolves a plugin's FKs to core only among the selected apps.
    labels = list(dict.fromkeys(["core", *argv]))
    host = PluginHost([label for label in labels if label != "core"])
    config = tortoise_config("sqlite://:memory:", host.tortoise_apps())
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(config, fh)
    cmd = [sys.executable, "-m", "tortoise", "--config-file", fh.name, "makemigrations", *labels]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
