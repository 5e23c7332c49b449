"""LASTMILE_READ_DATABASE_URL: queries read the replica; mutations, and reads inside them, the primary.

The "replica" here is the test database itself under a second connection (on PostgreSQL as
a read-only role, so a write routed there would fail): what each connection runs is counted,
which proves where every statement went.
"""

import pytest
from tortoise.connection import connections
from tortoise.router import router

from core import replica as replica_module
from core.db import connection_config, is_postgres
from core.replica import REPLICA, ReadRouter
from core.testing import GraphQLClient, build_world

READER = "lastmile_test_reader"
DISTRICTS = "{ districts { name } }"
CREATE = """mutation($input: CreateAreaInput!) { createArea(input: $input) { area { name } userErrors { code } } }"""


async def _replica_url(database_url: str) -> str:
    if not is_postgres(database_url):
        return database_url
    conn = connections.get("default")
    exists = await conn.execute_query_dict("SELECT 1 FROM pg_roles WHERE rolname = $1", [READER])
    if not exists:
        await conn.execute_script(f"CREATE ROLE {READER} LOGIN")
    await conn.execute_script(
        f"ALTER ROLE {READER} SET default_transaction_read_only = on; "
        f"GRANT USAGE ON SCHEMA public TO {READER}; "
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER};"
    )
    scheme, rest = database_url.split("://", 1)
    return f"{scheme}://{READER}@{rest.split('@', 1)[1]}"


class Spy:
    """Counts the statements one tortoise connection runs."""

    def __init__(self, client):
        self.client = client
        self.statements: list[str] = []
        for name in ("execute_query", "execute_query_dict"):
            original = getattr(client, name)

            async def spy(query, values=None, _original=original):
                self.statements.append(query)
                return await _original(query, values)

            setattr(client, name, spy)

    def take(self) -> list[str]:
        seen, self.statements = self.statements, []
        return seen


async def _viewers_loaded(client, primary, reader, w, *names):
    """Viewers are loaded from the primary (and then kept): load them before counting."""
    for name in names:
        await client("{ __typename }", token=w.tokens[name])
    assert reader.take() == []
    assert primary.take()


@pytest.fixture
async def replica(database_url):
    url = await _replica_url(database_url)
    replica_module.install()
    connections._init_config({REPLICA: connection_config(url)})
    router.init_routers([ReadRouter])
    try:
        yield url, Spy(connections.get("default")), Spy(connections.get(REPLICA))
    finally:
        router.init_routers([])
        await connections.get(REPLICA).close()
        connections.db_config.pop(REPLICA, None)
        connections._get_storage().pop(REPLICA, None)


async def test_queries_read_the_replica_and_mutations_the_primary(replica, app_factory):
    url, primary, reader = replica
    w = await build_world()
    async with GraphQLClient(app_factory((), read_database_url=url, read_after_write_seconds=60)) as client:
        await _viewers_loaded(client, primary, reader, w, "district_admin", "super", "s1_manager")
        assert (await client.data(DISTRICTS, token=w.tokens["district_admin"]))["districts"] == [
            {"name": "上街区"}
        ]
        assert reader.take() and primary.take() == []

        body = await client(
            CREATE,
            {"input": {"parentId": w.gid(w.s1), "level": "COMMUNITY", "name": "颐苑社区"}},
            w.tokens["super"],
        )
        assert body["data"]["createArea"] == {"area": {"name": "颐苑社区"}, "userErrors": []}
        assert reader.take() == []  # checks, insert and the payload read: all on the primary

        # The writer reads their own write from the primary for a while ...
        await client(DISTRICTS, token=w.tokens["super"])
        assert reader.take() == [] and primary.take()
        # ... everyone else reads the replica.
        await client(DISTRICTS, token=w.tokens["s1_manager"])
        assert reader.take() and primary.take() == []


async def test_without_read_after_write_the_writer_reads_the_replica_too(replica, app_factory):
    url, primary, reader = replica
    w = await build_world()
    async with GraphQLClient(app_factory((), read_database_url=url, read_after_write_seconds=0)) as client:
        await _viewers_loaded(client, primary, reader, w, "super")
        await client(
            CREATE,
            {"input": {"parentId": w.gid(w.s1), "level": "COMMUNITY", "name": "晨光社区"}},
            w.tokens["super"],
        )
        reader.take(), primary.take()
        await client(DISTRICTS, token=w.tokens["super"])
        assert reader.take() and primary.take() == []


async def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    from tortoise.transactions import in_transaction

    from core import models as m

    _, primary, reader = replica
    await build_world()
    reader.take()
    async with in_transaction():
        assert await m.Area.filter(level="DISTRICT").count() == 1
    assert reader.take() == []
    assert await m.Area.filter(level="DISTRICT").count() == 1
    assert reader.take()
