"""The reliability suite (issue 10, item 9): real processes killed, databases stopped and frozen,
Redis stopped, fuzzed requests. Marked ``reliability`` (deselect with ``-m "not reliability"``);
the process tests need PostgreSQL and skip on SQLite. Each test bounds its own time."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.reliability)
