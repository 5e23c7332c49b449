"""The plugin's tests run on core's test kit, with this plugin alone enabled."""

import pytest

pytest_plugins = ["core.testing"]


@pytest.fixture(scope="session")
def lastmile_plugins():
    return ("noticeboard",)
