"""One set of test fixtures for core's tests and every plugin's (the pytest plugin core.testing).

Loaded here, at the root, so that the session database is migrated and opened
once however many folders a run collects."""

pytest_plugins = ["core.testing"]
