"""Core's test fixtures (client, database, ...) for the volunteers tests."""

from tests.conftest import *  # noqa: F403
