"""Instants and periods as clients send them, checked once for core and every plugin.

An instant without an offset is taken as UTC (the API's and the database's
zone); one that UTC cannot hold (``0001-01-01T00:00:00+05:00``) is refused
rather than left for the driver to fail on. A period's start is not after its
end. Days of the district's calendar are core.clock's business (``local_midnight``).

In a mutation pass ``field`` (the input path): the refusal is a UserFailure
(userErrors, INVALID_INPUT). For a query argument leave it out: the refusal is a
GraphQL error with ``extensions.code`` INVALID_INPUT.
"""

from __future__ import annotations

import datetime as dt

from core.errors import ApiError, Code, UserFailure


def _refuse(message: str, field: list[str] | tuple[str, ...] | None):
    if field is not None:
        return UserFailure(message, Code.INVALID_INPUT, list(field))
    return ApiError(message, Code.INVALID_INPUT)


def instant(value: dt.datetime | None, name: str, field: list[str] | tuple[str, ...] | None = None,
            *, clamp: bool = False) -> dt.datetime | None:
    """``value`` in UTC (None stays None). Out of UTC's years 1..9999: refused, or with
    ``clamp=True`` (a filter bound) the earliest or latest instant there is."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        if clamp:
            return (dt.datetime.min if value.year == dt.MINYEAR else dt.datetime.max).replace(tzinfo=dt.UTC)
        raise _refuse(f"`{name}` lies outside the years 1 to 9999 in UTC.", field) from None


def period(start, end, names: tuple[str, str] = ("from", "to"),
           field: list[str] | tuple[str, ...] | None = None):
    """(start, end), instants in UTC (dates stay dates); refused when the start is after the end.

    ``field``: the input object's path; the refusal then names ``[*field, names[1]]``."""
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime):
        start = instant(start, names[0], None if field is None else [*field, names[0]])
        end = instant(end, names[1], None if field is None else [*field, names[1]])
    if start is not None and end is not None and start > end:
        raise _refuse(f"`{names[0]}` must not be after `{names[1]}`.", None if field is None else [*field, names[1]])
    return start, end
