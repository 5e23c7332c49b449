"""One set of test fixtures for core's tests and every plugin's (see tests/fixtures.py).

Loaded here, at the root, so that the session database is migrated and opened
once however many folders a run collects."""

pytest_plugins = ["tests.fixtures"]
