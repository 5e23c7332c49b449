"""Helpers shared by the services: time, who acts for whom, row locks."""

from __future__ import annotations

import datetime as dt

from core.errors import Code, Field, UserFailure
from core.permissions import Viewer
from core.services.guards import require
from plugins.volunteers.access import MANAGE, SIGNUP
from plugins.volunteers.enums import VolunteerStatus


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def require_active(volunteer, field: Field) -> None:
    if volunteer.status != VolunteerStatus.ACTIVE:
        raise UserFailure(
            f"The volunteer is {volunteer.status.value}, not ACTIVE.", Code.INVALID_TRANSITION, field
        )


def is_self(viewer: Viewer, volunteer) -> bool:
    return viewer.resident_id is not None and volunteer.resident_id == viewer.resident_id


def require_self_or_manage(viewer: Viewer, volunteer, managed, field: Field) -> None:
    """A resident acts for their own profile with volunteers.signup; anyone
    else needs volunteers.manage over ``managed`` (the activity, team or volunteer)."""
    if is_self(viewer, volunteer) and viewer.can(SIGNUP):
        return
    require(viewer, MANAGE, managed, field)


def require_not_self(viewer: Viewer, volunteer, field: Field) -> None:
    if is_self(viewer, volunteer):
        raise UserFailure("Nobody verifies their own hours.", Code.FORBIDDEN, field)


async def lock_volunteer(volunteer_id: int):
    """The volunteer row, re-read and locked to the end of the transaction (PostgreSQL; SQLite
    serialises writers). Lock order everywhere: resident, volunteer, team or activity, signup."""
    from plugins.volunteers import models as vm

    return await vm.Volunteer.filter(id=volunteer_id).select_for_update(no_key=True).get()


async def lock_team(team_id: int) -> None:
    from plugins.volunteers import models as vm

    await vm.VolunteerTeam.filter(id=team_id).select_for_update(no_key=True).first()


async def status_of(model, pk: int):
    """A row's current status (None when gone), read after a conditional UPDATE missed."""
    row = await model.filter(id=pk).only("id", "status").first()
    return row.status if row is not None else None
