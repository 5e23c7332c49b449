"""The lastmile test kit: what core's tests and every plugin's tests are built on.

Load it as a pytest plugin from your top-level conftest.py::

    pytest_plugins = ["core.testing"]

    @pytest.fixture(scope="session")
    def lastmile_plugins():
        return ("noticeboard",)   # the plugins the test app enables

Fixtures: ``database_url``, ``on_postgres``, ``database`` (migrated once per
session, on LASTMILE_TEST_DATABASE_URL or a temporary SQLite file),
``clean_tables`` (autouse: every table emptied before each test),
``lastmile_plugins``, ``app_factory``, ``client`` (a :class:`GraphQLClient` for
the app with ``lastmile_plugins``) and ``core_client`` (no plugin).

Helpers, importable from here: :func:`app_client`, :class:`GraphQLClient`,
:func:`build_test_app`, :func:`count_statements` (N+1 checks),
:func:`subscribe` (graphql-transport-ws), :func:`run_scheduled_job`, :func:`make_area`, :func:`make_unit`,
:func:`make_resident`, :func:`make_user`, :func:`grant_role`,
:func:`token_for`, :func:`login`, :data:`PASSWORD`, :class:`World` and
:func:`build_world` (a district with staff of every core role).
"""

from core.testing.client import (
    GraphQLClient,
    StatementCounter,
    app_client,
    build_test_app,
    count_statements,
    reset_tables,
    run_scheduled_job,
)
from core.testing.data import (
    PASSWORD,
    World,
    build_world,
    grant_role,
    login,
    make_area,
    make_resident,
    make_unit,
    make_user,
    new_id_number,
    token_for,
)
from core.testing.fixtures import (
    TEST_DB,
    TEST_PLUGINS,
    app_factory,
    clean_tables,
    client,
    core_client,
    database,
    database_url,
    lastmile_plugins,
    on_postgres,
    pytest_configure,  # noqa: F401  (a hook pytest finds on this module)
    pytest_report_header,
)
from core.testing.live import Subscription, subscribe

__all__ = [
    "PASSWORD",
    "TEST_DB",
    "TEST_PLUGINS",
    "GraphQLClient",
    "StatementCounter",
    "Subscription",
    "World",
    "app_client",
    "app_factory",
    "build_test_app",
    "build_world",
    "clean_tables",
    "client",
    "core_client",
    "count_statements",
    "database",
    "database_url",
    "grant_role",
    "lastmile_plugins",
    "login",
    "make_area",
    "make_resident",
    "make_unit",
    "make_user",
    "new_id_number",
    "on_postgres",
    "pytest_report_header",
    "reset_tables",
    "run_scheduled_job",
    "subscribe",
    "token_for",
]
