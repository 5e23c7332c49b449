"""Helpers shared by the services: time, catchment areas, who acts for whom."""

from __future__ import annotations

import datetime as dt

from core.enums import AreaLevel, lineage_column
from core.errors import Code, UserFailure
from core.permissions import Viewer
from core.services.guards import require
from plugins.volunteers.enums import VolunteerStatus
from plugins.volunteers.permissions import MANAGE, SIGNUP

# From the narrowest level a team or activity recruits at, upwards.
_CATCHMENT_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.SUBDISTRICT, AreaLevel.DISTRICT)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time without an offset is taken as UTC (the API's and the database's zone)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def catchment(obj) -> tuple[str, int] | None:
    """(lineage column, area id) of the area a team or activity recruits from.

    Teams and activities recruit at community granularity: one held in a
    compound or building recruits from its whole community; one held above a
    community recruits from everything below its area."""
    for level in _CATCHMENT_LEVELS:
        col = lineage_column(level)
        value = getattr(obj, col, None)
        if value:
            return col, value
    return None


def lives_in_catchment(volunteer, obj) -> bool:
    where = catchment(obj)
    return where is not None and getattr(volunteer, where[0], None) == where[1]


def require_catchment(volunteer, obj, field: list[str], what: str) -> None:
    if not lives_in_catchment(volunteer, obj):
        raise UserFailure(f"The volunteer does not live in the area this {what} recruits from.",
                          Code.INVALID_TARGET, field)


def require_active(volunteer, field: list[str]) -> None:
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise UserFailure(f"The volunteer is {volunteer.status.value}, not ACTIVE.", Code.INVALID_TRANSITION, field)


def is_self(viewer: Viewer, volunteer) -> bool:
    return viewer.resident_id is not None and volunteer.resident_id == viewer.resident_id


def require_self_or_manage(viewer: Viewer, volunteer, managed, field: list[str]) -> None:
    """A resident acts for their own profile with volunteers.signup; anyone
    else needs volunteers.manage over ``managed`` (the activity, team or volunteer)."""
    if is_self(viewer, volunteer) and viewer.can(SIGNUP):
        return
    require(viewer, MANAGE, managed, field)


def require_not_self(viewer: Viewer, volunteer, field: list[str]) -> None:
    if is_self(viewer, volunteer):
        raise UserFailure("Nobody verifies their own hours.", Code.FORBIDDEN, field)


async def status_of(model, pk: int):
    """A row's current status (None when gone), read after a conditional UPDATE missed."""
    row = await model.filter(id=pk).only("id", "status").first()
    return row.status if row is not None else None
