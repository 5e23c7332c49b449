"""Helpers shared by the services: ids, time, who acts for whom."""

from __future__ import annotations

import datetime as dt

from core.api.filters import query_text as core_query_text
from core.errors import Code, UserFailure
from core.ids import decode_int_gid
from core.permissions import Viewer
from core.services import guards
from core.services.guards import require
from core.validation import unstorable_text
from plugins.volunteers.enums import VolunteerStatus
from plugins.volunteers.permissions import MANAGE, SIGNUP

# core decodes only canonical ids within the id columns' range: anything else names nothing,
# and core's find answers NOT_FOUND for it.
pk_of = decode_int_gid
find = guards.find


def storable(text: str | None) -> bool:
    """Whether a database can store ``text``: no NUL character (PostgreSQL
    cannot) and no lone surrogate (JSON may escape one, \\ud800, but no
    encoding holds it); refused alike on SQLite and PostgreSQL."""
    return not text or not unstorable_text(text)


require_text = guards.require_text  # trims, refuses empty, too long and unstorable text


query_text = core_query_text  # INVALID_INPUT (GraphQL error) for text no database could store


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
