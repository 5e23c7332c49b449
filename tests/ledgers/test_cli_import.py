"""`lastmile import residents` as an operator runs it: summary, exit status, report."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

from tests.ledgers import files

ROOT = Path(__file__).resolve().parents[2]


def lastmile(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
        "LASTMILE_PLUGINS": "",
        "COLUMNS": "120",
    }
    env.pop("LASTMILE_TEST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "server.py"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_every_option_has_help(tmp_path):
    out = lastmile(tmp_path, "import", "residents", "--help").stdout
    for option in ("--dry-run", "--create-areas", "--skip-invalid", "--report", "--user"):
        assert option in out


def test_a_rejected_file_writes_nothing_and_reports_every_row(tmp_path):
    data = tmp_path / "registry.csv"
    rows = files.messy_rows()[:2]
    rows[1][0] = "济源路街道"
    data.write_bytes(files.csv_bytes(rows, "gb18030"))
    report = tmp_path / "report.xlsx"
    run = lastmile(tmp_path, "import", "residents", str(data), "--create-areas", "--report", str(report))
    # An empty database has no district: every row is rejected, and the run says so.
    assert run.returncode == 2, run.stderr
    assert "REJECTED" in run.stderr and "district" in run.stderr
    sheet = openpyxl.load_workbook(io.BytesIO(report.read_bytes())).worksheets[0]
    assert [(r[0], r[1], r[3]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        (2, "district", "NOT_FOUND"),
        (3, "district", "NOT_FOUND"),
    ]
