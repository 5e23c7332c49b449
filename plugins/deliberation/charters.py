"""The 1+1+1 of communities and compounds: versioned rules and covenant, a venue per area,
and how many areas below an area have all three (charterCoverage), counted in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import models as m
from core.access import below, visible
from core.errors import Code, UserFailure, not_found
from core.permissions import Viewer
from core.services.guards import optional_text, require, require_text
from plugins.deliberation.access import DELIBERATING_LEVELS, MANAGE
from plugins.deliberation.enums import CharterDocumentKind, MeetingStatus
from plugins.deliberation.models import CharterDocument, DeliberationMeeting, MeetingVenue
from plugins.deliberation.services import deliberating_area

CHARTER_TEXT = 50000


async def adopt_document(
    context,
    *,
    area_pk: int | None,
    kind: CharterDocumentKind,
    text: str,
    adopted_on: dt.date,
    meeting_pk: int | None,
) -> m.Area:
    """Adopt version n+1 of the area's rules or covenant (the first adoption is version 1)."""
    viewer = context.viewer
    area = await deliberating_area(viewer, area_pk, ["input", "areaId"])
    require(viewer, MANAGE, area, ["input", "areaId"])
    text = require_text(text, ["input", "text"], "text", CHARTER_TEXT)
    meeting_id = None
    if meeting_pk is not None:
        meeting = await visible(viewer, DeliberationMeeting).filter(id=meeting_pk).first()
        if meeting is None:
            raise not_found("Meeting", ["input", "meetingId"])
        if meeting.status != MeetingStatus.HELD:
            raise UserFailure(
                "A charter is adopted at a meeting that was held.", Code.INVALID_INPUT, ["input", "meetingId"]
            )
        meeting_id = meeting.id
    current = await CharterDocument.filter(area_id=area.id, kind=kind).order_by("-version").first()
    if current is not None and adopted_on < current.adopted_on:
        raise UserFailure(
            f"Version {current.version} was adopted on {current.adopted_on.isoformat()}; a new "
            "version cannot be adopted before it.",
            Code.INVALID_INPUT,
            ["input", "adoptedOn"],
        )
    version = (current.version if current else 0) + 1
    try:
        async with in_transaction():  # a savepoint: UNIQUE (area, kind, version) refuses a racing twin
            await CharterDocument.create(
                area_id=area.id,
                **area.lineage(),
                kind=kind,
                version=version,
                text=text,
                adopted_on=adopted_on,
                adopted_at_id=meeting_id,
            )
    except IntegrityError:
        raise UserFailure(
            "Another version was adopted meanwhile; reload and try again.", Code.DUPLICATE, ["input", "kind"]
        ) from None
    return area


async def set_venue(
    context, *, area_pk: int | None, name: str, address: str | None, capacity: int | None
) -> m.Area:
    viewer = context.viewer
    area = await deliberating_area(viewer, area_pk, ["input", "areaId"])
    require(viewer, MANAGE, area, ["input", "areaId"])
    name = require_text(name, ["input", "name"], "name", 200)
    address = optional_text(address, ["input", "address"], "address", 300)
    if capacity is not None and not 0 < capacity <= 100000:
        raise UserFailure("capacity must be between 1 and 100000.", Code.INVALID_INPUT, ["input", "capacity"])
    updated = await MeetingVenue.filter(area_id=area.id).update(name=name, address=address, capacity=capacity)
    if not updated:
        try:
            async with in_transaction():
                await MeetingVenue.create(
                    area_id=area.id, **area.lineage(), name=name, address=address, capacity=capacity
                )
        except IntegrityError:  # set at the same moment by someone else: ours wins, as the later write
            await MeetingVenue.filter(area_id=area.id).update(name=name, address=address, capacity=capacity)
    return area


# ---------------------------------------------------------------- coverage


@dataclass
class Coverage:
    areas: int = 0
    with_rules: int = 0
    with_covenant: int = 0
    with_venue: int = 0
    complete: int = 0


def _coverage_sql(viewer: Viewer, area: m.Area) -> str:
    """One row per community and compound at or below ``area`` that the viewer sees, with a 0/1
    flag per part of the 1+1+1 (only parts the viewer may read count)."""
    areas = visible(viewer, m.Area).filter(below(area), level__in=list(DELIBERATING_LEVELS)).values_list("id")
    docs = visible(viewer, CharterDocument).filter(below(area))
    rules = docs.filter(kind=CharterDocumentKind.RULES).values_list("area_id")
    covenant = docs.filter(kind=CharterDocumentKind.COVENANT).values_list("area_id")
    venues = visible(viewer, MeetingVenue).filter(below(area)).values_list("area_id")

    def flag(qs) -> str:
        return f"CASE WHEN a.id IN ({qs.sql(params_inline=True)}) THEN 1 ELSE 0 END"

    return (
        f"SELECT a.id AS id, a.name AS name, {flag(rules)} AS r, {flag(covenant)} AS c, {flag(venues)} AS v "
        f"FROM core_area a WHERE a.id IN ({areas.sql(params_inline=True)})"
    )


async def coverage(viewer: Viewer, area: m.Area) -> Coverage:
    rows = await m.Area._meta.db.execute_query_dict(
        "SELECT COUNT(*) AS n, SUM(r) AS r, SUM(c) AS c, SUM(v) AS v, "
        f"SUM(CASE WHEN r + c + v = 3 THEN 1 ELSE 0 END) AS full_ FROM ({_coverage_sql(viewer, area)}) x"
    )
    row = rows[0] if rows else {}
    return Coverage(
        int(row.get("n") or 0),
        int(row.get("r") or 0),
        int(row.get("c") or 0),
        int(row.get("v") or 0),
        int(row.get("full_") or 0),
    )


async def incomplete(viewer: Viewer, area: m.Area, first: int) -> list[int]:
    """Ids of the areas still missing a part, those missing most first (then by name)."""
    rows = await m.Area._meta.db.execute_query_dict(
        f"SELECT id FROM ({_coverage_sql(viewer, area)}) x WHERE r + c + v < 3 "
        f"ORDER BY r + c + v, name, id LIMIT {int(first)}"
    )
    return [int(r["id"]) for r in rows]
