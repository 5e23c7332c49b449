"""Ledger numbers XQ-<year>-<6 digits>: unique in the deployment and gap-free per year.

Each year has one LedgerCounter row. A submission bumps it with an atomic
``UPDATE ... SET last_seq = last_seq + 1`` inside the submitting transaction and
reads it back: on PostgreSQL the UPDATE holds the row lock until commit, so
concurrent submissions queue on it and each gets the next number, and one that
rolls back gives its number back with it (no gap). The year's row is created
race-safely (UNIQUE year and a savepoint: the loser of the race updates the
winner's row). SQLite serialises writers anyway. ``(year, seq)`` is UNIQUE as the
last guard. The year is the district's calendar year (core.clock).
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from plugins.demands.models import LedgerCounter

PREFIX = "XQ"


def format_ledger_number(year: int, seq: int) -> str:
    return f"{PREFIX}-{year}-{seq:06d}"


async def next_seq(year: int) -> int:
    """Allocate the next number of ``year``; call inside the transaction that creates the demand."""
    if not await LedgerCounter.filter(year=year).update(last_seq=F("last_seq") + 1):
        try:
            async with in_transaction():  # a savepoint: a concurrent first submission of the year may win
                await LedgerCounter.create(year=year, last_seq=0)
        except IntegrityError:
            pass
        await LedgerCounter.filter(year=year).update(last_seq=F("last_seq") + 1)
    return (await LedgerCounter.get(year=year)).last_seq
