"""Queries on a read-only copy of the database (``LASTMILE_READ_DATABASE_URL``).

With the setting, tortoise gets a second connection, ``replica``, and :class:`ReadRouter`
sends reads there, except:

- everything of a mutation operation (its transaction and the payload read after it) and
  anything else inside a transaction: the primary, which holds the writes being read;
- a viewer's reads for ``LASTMILE_READ_AFTER_WRITE_SECONDS`` (default 5) after their own
  mutation in this process: the primary, so a front-end that saves and reloads sees what it
  saved although the replica lags. Other viewers, and the same viewer on another instance,
  may read the replica's older state until it catches up: a replica is as stale as its lag.

Writes always go to the primary (``DATABASE_URL``), and so do migrations and the loading of
the viewer (account and grants, core.viewer_cache): authorisation never rests on a copy that
may not have seen a revoked grant yet.
"""

from __future__ import annotations

import contextlib
import time
from contextvars import ContextVar

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import connections

REPLICA = "replica"
_primary: ContextVar[bool] = ContextVar("lastmile_read_primary", default=False)
# user id -> monotonic time until which their reads stay on the primary (this process).
_recent_writers: dict[int, float] = {}


def install() -> None:
    """With two connections, tortoise's ``in_transaction()`` wants a connection name; every
    transaction here belongs on the primary, so an unnamed one means "default" (services and
    plugins keep writing ``in_transaction()``). Idempotent."""
    import tortoise.transactions as tx

    if getattr(tx._get_connection, "lastmile_default", False):
        return
    original = tx._get_connection

    def _get_connection(connection_name=None):
        return original(connection_name or "default")

    _get_connection.lastmile_default = True
    tx._get_connection = _get_connection


def read_connection():
    """The connection a read outside the ORM (core.compiler) takes: the replica where the
    router would send a model's read, else the primary."""
    if REPLICA in connections.db_config and ReadRouter().db_for_read(None) == REPLICA:
        return connections.get(REPLICA)
    return connections.get("default")


class ReadRouter:
    """tortoise router: reads to the replica unless the primary is required (see module doc)."""

    def db_for_read(self, model):
        if _primary.get() or isinstance(connections.get("default"), TransactionalDBClient):
            return None  # the model's own connection: the primary, or the transaction on it
        return REPLICA

    def db_for_write(self, model):
        return None


@contextlib.contextmanager
def on_primary():
    """Reads inside go to the primary."""
    token = _primary.set(True)
    try:
        yield
    finally:
        _primary.reset(token)


def note_write(context) -> None:
    """After a committed mutation: its viewer reads the primary for a while."""
    settings = getattr(getattr(context, "runtime", None), "settings", None)
    user_id = getattr(getattr(context, "viewer", None), "user_id", None)
    if settings is None or not settings.read_database_url or user_id is None:
        return
    now = time.monotonic()
    _recent_writers[user_id] = now + settings.read_after_write_seconds
    if len(_recent_writers) > 10_000:  # forget the expired ones now and then
        for uid, until in list(_recent_writers.items()):
            if until < now:
                del _recent_writers[uid]


def wrote_recently(user_id: int | None) -> bool:
    until = _recent_writers.get(user_id) if user_id is not None else None
    return until is not None and until > time.monotonic()


class ReadRouting(SchemaExtension):
    """Pins a mutation operation, and a recent writer's operations, to the primary."""

    def on_execute(self):
        context = self.execution_context.context
        pin = self.execution_context.operation_type == OperationType.MUTATION or wrote_recently(
            getattr(getattr(context, "viewer", None), "user_id", None)
        )
        if not pin:
            yield
            return
        with on_primary():
            yield
