"""Global ids the plugin decodes itself (criterion, area filter, subscription, nominee lookup)."""

from __future__ import annotations

from core.ids import decode_int_gid

# Primary keys are 32-bit integer columns (int4 on PostgreSQL, and SQLite refuses
# numbers past 64 bits): an id naming a number outside that range names nothing.
MAX_PK = 2**31 - 1


def pk_of(gid: str | None, *type_names: str) -> int | None:
    """The integer pk ``gid`` names if it is one of ``type_names`` and could name a row, else None."""
    pk = decode_int_gid(gid, *type_names) if gid is not None else None
    return pk if pk is not None and 0 < pk <= MAX_PK else None
