"""Case numbers MD-<year>-<6 digits>: unique and gap-free per year.

Each year has one CaseCounter row. A report bumps it with an atomic
``UPDATE ... SET last_seq = last_seq + 1`` inside the reporting transaction
and reads the value back: on PostgreSQL the UPDATE holds the row lock until
commit, so concurrent reports queue on it and each gets the next number; a
report that rolls back gives its number back with it, so none is skipped.
The year's row is created race-safely (a UNIQUE year and a savepoint: the
loser of a race simply updates the winner's row). SQLite serialises writers
anyway. ``year``/``seq`` carry a UNIQUE constraint as the last guard.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from plugins.mediation.models import CaseCounter

PREFIX = "MD"


def format_case_number(year: int, seq: int) -> str:
    return f"{PREFIX}-{year}-{seq:06d}"


async def next_seq(year: int) -> int:
    """Allocate the next number of ``year``; call inside the transaction that creates the case."""
    if not await CaseCounter.filter(year=year).update(last_seq=F("last_seq") + 1):
        try:
            async with in_transaction():  # a savepoint: a concurrent first report of the year may win
                await CaseCounter.create(year=year, last_seq=0)
        except IntegrityError:
            pass
        await CaseCounter.filter(year=year).update(last_seq=F("last_seq") + 1)
    return (await CaseCounter.get(year=year)).last_seq
