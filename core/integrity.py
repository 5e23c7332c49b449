"""Turning a constraint the database enforced into the userError the check before it would have given.

A service checks a rule ("the name is free") and then writes; a concurrent
request can pass the same check before either commits. The constraint behind
the rule (UNIQUE, a partial unique index, a foreign key) then refuses the
second write. ``refusing`` runs that write in a savepoint and, when the
violated constraint is the one the rule rests on, raises the rule's own
``UserFailure`` (same code, same field) instead of the mutation runner's
generic DUPLICATE: the loser of the race reads exactly like a later request.

Which constraint was violated is read from the driver: asyncpg reports the
index name and, for a unique violation, "Key (col, ...)=(...)" in its detail;
SQLite names the columns ("UNIQUE constraint failed: table.col, ...").
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import UserFailure

T = TypeVar("T")

_PG_KEY = re.compile(r"Key \(([^)]*)\)=")
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def unique_columns(exc: IntegrityError) -> frozenset[str] | None:
    """The columns of the unique constraint ``exc`` reports, or None when it is not a unique violation."""
    cause = exc.args[0] if exc.args else None
    detail = getattr(cause, "detail", None)
    if getattr(cause, "sqlstate", None) == "23505":
        found = _PG_KEY.search(detail or "")
        return frozenset(c.strip().strip('"') for c in found.group(1).split(",")) if found else frozenset()
    text = str(exc)
    if _SQLITE_UNIQUE in text:
        listed = text.split(_SQLITE_UNIQUE, 1)[1]
        return frozenset(part.strip().rsplit(".", 1)[-1] for part in listed.split(","))
    return None


def constraint_name(exc: IntegrityError) -> str | None:
    """The violated constraint's name where the driver says it (PostgreSQL)."""
    cause = exc.args[0] if exc.args else None
    return getattr(cause, "constraint_name", None)


def violates(exc: IntegrityError, columns: tuple[str, ...], name: str | None = None) -> bool:
    """Whether ``exc`` is the unique constraint on exactly ``columns`` (or the index named ``name``)."""
    if name is not None and constraint_name(exc) == name:
        return True
    found = unique_columns(exc)
    return found is not None and found == frozenset(columns)


async def refusing(
    work: Callable[[], Awaitable[T]], failure: UserFailure, columns: tuple[str, ...], name: str | None = None
) -> T:
    """``await work()`` in a savepoint; ``failure`` when the unique constraint on ``columns`` refuses it."""
    try:
        async with in_transaction():  # a savepoint: PostgreSQL can go on (and roll back cleanly) after it
            return await work()
    except IntegrityError as exc:
        if violates(exc, columns, name):
            raise failure from None
        raise


def failure_for(exc: IntegrityError) -> UserFailure:
    """The userError for a constraint no check named (the mutation runner's last resort).

    A foreign key refusing an INSERT or UPDATE means the row referred to was deleted
    meanwhile (NOT_FOUND); refusing a DELETE, that rows still refer to it (NOT_EMPTY);
    anything else is a uniqueness conflict (DUPLICATE)."""
    from core.errors import Code

    cause = exc.args[0] if exc.args else None
    text = str(cause if cause is not None else exc)
    if getattr(cause, "sqlstate", None) == "23503" or "FOREIGN KEY constraint failed" in text:
        if "update or delete on table" in text:
            return UserFailure("Other records still refer to this one.", Code.NOT_EMPTY)
        return UserFailure("This refers to a record that was removed meanwhile.", Code.NOT_FOUND)
    return UserFailure("This conflicts with an existing record.", Code.DUPLICATE)
