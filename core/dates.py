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

from core.errors import ApiError, Code, Field, UserFailure


def _refuse(message: str, field: Field | None):
    if field is not None:
        return UserFailure(message, Code.INVALID_INPUT, field)
    return ApiError(message, Code.INVALID_INPUT)


def _child(field: Field | None, name: str) -> Field | None:
    """The field of one end of a period inside ``field`` (a logical name or a path)."""
    if field is None:
        return None
    if isinstance(field, str):
        return f"{field}.{name}" if field else name
    return [*field, name]


def instant(
    value: dt.datetime | None, name: str, field: Field | None = None, *, clamp: bool = False
) -> dt.datetime | None:
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


def period(start, end, names: tuple[str, str] = ("from", "to"), field: Field | None = None):
    """(start, end), instants in UTC (dates stay dates); refused when the start is after the end.

    ``field``: where the two ends are in a mutation's input (``""``: at its top, so the ends
    are the logical fields ``names``); the refusal is then a userError on the end's field."""
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime):
        start = instant(start, names[0], _child(field, names[0]))
        end = instant(end, names[1], _child(field, names[1]))
    if start is not None and end is not None and start > end:
        raise _refuse(f"`{names[0]}` must not be after `{names[1]}`.", _child(field, names[1]))
    return start, end
