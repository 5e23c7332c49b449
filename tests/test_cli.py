"""The `lastmile` command as an operator meets it: help everywhere, honest migrate output, a password
never required on the command line, demo progress, one-line configuration errors."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import build_parser, main
from core.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]


def run(*args, db: str | None = None, stdin: str = "", **env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LASTMILE_PLUGINS": "", **env}
    if db is not None:
        base["DATABASE_URL"] = db
    return subprocess.run(
        [sys.executable, str(ROOT / "server.py"), *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=ROOT,
        input=stdin,
        timeout=300,
    )


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite://{tmp_path / 'cli.sqlite3'}"


def test_every_option_has_help():
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {
        "serve",
        "migrate",
        "demo",
        "scale",
        "export-schema",
        "create-admin",
        "import",
    }
    for name, sub in commands.choices.items():
        assert sub.description or any(c.dest == name and c.help for c in commands._choices_actions), name
        for action in sub._actions:
            assert action.help and action.help != argparse.SUPPRESS, (
                f"{name} {action.option_strings or action.dest}"
            )


def test_migrate_says_what_it_applied_then_that_nothing_is_pending(sqlite_url):
    first = run("migrate", db=sqlite_url)
    assert first.returncode == 0, first.stderr
    assert "applied core.0001_initial" in first.stdout
    assert "migration" in first.stdout.splitlines()[-1] and "applied" in first.stdout.splitlines()[-1]
    again = run("migrate", db=sqlite_url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "no migrations pending (apps: core)"


def test_create_admin_reads_the_password_from_stdin(sqlite_url):
    made = run("create-admin", "root", "--password-stdin", db=sqlite_url, stdin="a long secret phrase\n")
    assert made.returncode == 0, made.stderr
    assert "superuser root created" in made.stdout
    # Without any flag and no terminal, standard input is read too (e.g. `echo pw | lastmile create-admin`).
    reset = run("create-admin", "root", db=sqlite_url, stdin="another long secret\n")
    assert reset.returncode == 0 and "superuser root updated" in reset.stdout
    short = run("create-admin", "root", db=sqlite_url, stdin="short\n")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    empty = run("create-admin", "root", db=sqlite_url, stdin="")
    assert empty.returncode != 0 and "no password on standard input" in empty.stderr
    # Still accepted for old scripts, with a warning about the shell history.
    flag = run("create-admin", "root", "--password", "a third long secret", db=sqlite_url)
    assert flag.returncode == 0 and "shell history" in flag.stderr


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgres://u@127.0.0.1:notaport/db", "malformed PostgreSQL URL"),
        ("mysql://u@127.0.0.1/db", "unsupported scheme 'mysql'"),
        ("postgres://u@127.0.0.1:5432/", "names no database"),
        ("sqlite://", "needs a path"),
    ],
)
def test_malformed_database_url_is_one_clear_line(url, words, settings_env):
    # In process: the command stops before it opens any database.
    settings_env(DATABASE_URL=url, LASTMILE_PLUGINS="")
    with pytest.raises(SystemExit) as stop:
        main(["migrate"])
    message = str(stop.value.code)
    assert words in message and "\n" not in message and message.startswith("lastmile: DATABASE_URL"), message


def test_bad_setting_is_one_line_per_variable(settings_env):
    settings_env(LASTMILE_TIME_ZONE="Mars/Olympus")
    with pytest.raises(SystemExit) as stop:
        main(["migrate"])
    message = str(stop.value.code)
    assert message.startswith("lastmile: LASTMILE_TIME_ZONE: ") and "\n" not in message, message


@pytest.fixture
def settings_env(monkeypatch):
    def apply(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


def test_demo_shows_progress(sqlite_url):
    proc = run("demo", "--residents", "20", db=sqlite_url, LASTMILE_PLUGINS="mediation")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("loading the demo district (20 residents) ...")
    for line in (
        "  core: ",
        " residents",
        " accounts",
        "  mediation: demo data loaded",
        "demo data loaded: ",
    ):
        assert line in out, out


def test_serve_refuses_a_worker_count_below_one():
    proc = run("serve", "--workers", "0")
    assert proc.returncode == 2 and "at least 1" in proc.stderr
