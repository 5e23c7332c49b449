"""Core's test fixtures (client, database, ...) for the civility tests."""

from tests.conftest import *  # noqa: F403
