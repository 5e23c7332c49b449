"""Core's test helpers now ship in the package as core.testing (plugins use the same kit);
this module keeps the old import path for existing tests."""

from core.testing.client import *  # noqa: F403
from core.testing.client import (  # noqa: F401
    GraphQLClient,
    StatementCounter,
    build_test_app,
    count_statements,
    reset_tables,
)
from core.testing.data import *  # noqa: F403
from core.testing.data import (  # noqa: F401
    _PW_HASH,
    PASSWORD,
    World,
    build_world,
    make_area,
    make_resident,
    make_unit,
    make_user,
    new_id_number,
    token_for,
)
