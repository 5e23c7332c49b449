"""Area ids as the plugin reads them: an area id names an area of its own type only
(a compound's number as a ``Community`` id names nothing)."""

from __future__ import annotations

from core import models as m
from core.enums import AREA_TYPE_NAMES, AreaLevel
from core.ids import decode_gid, decode_int_gid


def area_pk(gid: str | None) -> tuple[int, AreaLevel] | None:
    """(pk, level the id's type stands for) of an area id, or None."""
    pk = decode_int_gid(gid, *AREA_TYPE_NAMES)
    if pk is None:
        return None
    type_name, _ = decode_gid(gid)
    return pk, AreaLevel(type_name.upper())


def area_matches(area: m.Area | None, level: AreaLevel) -> m.Area | None:
    return area if area is not None and area.level == level else None
