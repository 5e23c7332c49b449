"""Input checks shared by the plugin's fields and services, so that nothing a client sends
reaches the database in a form it would refuse with an internal error:

- global ids whose number lies outside the primary-key range (PostgreSQL INTEGER) name nothing;
- an area id names an area of its own type only (a compound's number as a ``Community`` id names nothing);
- text may not contain U+0000 (PostgreSQL cannot store it) nor a lone surrogate (JSON may
  escape one, \\ud800, but no database encoding holds it), on either database alike;
- an instant must be representable in UTC (the drivers convert to UTC before storing or comparing).
"""

from __future__ import annotations

import datetime as dt

from core import models as m
from core.api.filters import query_text as core_query_text
from core.enums import AREA_TYPE_NAMES, AreaLevel
from core.errors import ApiError, Code
from core.ids import decode_gid, decode_int_gid
from core.services.guards import optional_text as core_optional_text
from core.services.guards import require_text as core_require_text

AREA_TYPES = AREA_TYPE_NAMES
# core decodes only canonical ids within the id columns' range: anything else names nothing.
pk_of = decode_int_gid


def area_pk(gid: str | None) -> tuple[int, AreaLevel] | None:
    """(pk, level the id's type stands for) of an area id, or None."""
    pk = pk_of(gid, *AREA_TYPES)
    if pk is None:
        return None
    type_name, _ = decode_gid(gid)
    return pk, AreaLevel(type_name.upper())


def area_matches(area: m.Area | None, level: AreaLevel) -> m.Area | None:
    return area if area is not None and area.level == level else None


# core's text checks: trimmed, bounded, storable (no NUL, no unpaired surrogate).
require_text = core_require_text
optional_text = core_optional_text
query_text = core_query_text


def instant(value: dt.datetime | None, what: str) -> dt.datetime | None:
    """The instant in UTC (one without an offset is taken as UTC, as the database does);
    GraphQL error INVALID_INPUT when the database could not hold it."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ApiError(f"`{what}` is out of range", Code.INVALID_INPUT) from None


def period(frm: dt.datetime | None, to: dt.datetime | None,
           names: tuple[str, str] = ("from", "to")) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Both ends in UTC, the start not after the end (else GraphQL error INVALID_INPUT)."""
    frm, to = instant(frm, names[0]), instant(to, names[1])
    if frm is not None and to is not None and frm > to:
        raise ApiError(f"`{names[0]}` must not be after `{names[1]}`", Code.INVALID_INPUT)
    return frm, to
