"""Area ids at the API edge: the area an id argument names, as the viewer may see it."""

from __future__ import annotations

from strawberry.types import Info

from core import models as m
from core.ids import decode_area_gid


async def visible_area(info: Info, gid: str | None) -> m.Area | None:
    """The area ``gid`` names if the viewer may see it and the row is of the id's level
    (``Community:7`` names nothing when area 7 is a compound), else None. Batched through
    the request's loaders, so several arguments cost one statement."""
    found = decode_area_gid(gid)
    if found is None:
        return None
    pk, level = found
    area = await info.context.loaders.by_id(m.Area).load(pk)
    return area if area is not None and area.level == level else None
