"""Models and committed migrations agree (the autodetector finds nothing to write)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_missing_migrations():
    proc = subprocess.run(
        [sys.executable, "-m", "core.migration_check"], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
