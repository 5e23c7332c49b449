"""Whether the signed-in user is a resident living in a campaign's area."""

from __future__ import annotations

from core import models as m
from core.enums import ResidentStatus
from core.permissions import Viewer


async def home_resident(viewer: Viewer) -> m.Resident | None:
    """The viewer's own resident record while they still live here; None otherwise."""
    if not viewer.resident_id:
        return None
    return await m.Resident.filter(id=viewer.resident_id, status=ResidentStatus.ACTIVE).first()


def inside(obj, area_id: int) -> bool:
    """Whether ``obj`` (anything with lineage columns) lies in the area (area ids are unique across levels)."""
    return area_id in obj.lineage().values()


async def resident_of_area(viewer: Viewer, area_id: int) -> m.Resident | None:
    resident = await home_resident(viewer)
    return resident if resident is not None and inside(resident, area_id) else None
