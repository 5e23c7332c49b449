"""Exports of lists as .csv or .xlsx, streamed, with the scope and masking of the GraphQL field each mirrors.

An :class:`ExportDefinition` names a list (``residents``), its columns (Chinese header
and stable English key) and an async ``rows(viewer, filters, full)`` yielding one list
of cells per row. Core defines residents, units and organisations; plugins add theirs
through the ``lastmile_exports`` hook. Rows are read in keyset batches (``id > last``,
BATCH at a time) through ``core.access.visible``, so memory stays flat whatever the
list's length, and a .csv response starts with the first batch.

Full ID and phone numbers: only with ``full`` asked for and only for rows over which
the viewer holds resident.pii.read (the others stay masked); the export writes ONE
audit entry (``ledgers.export``) naming the list, the rows' count and whether full
numbers were asked for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from tortoise.expressions import Q

from core import models as m
from core.access import below, visible
from core.enums import ResidencyType, ResidentStatus
from core.ledgers.columns import REGISTRY_COLUMNS
from core.ledgers.rows import GENDER_LABEL, RELATION_LABEL, RESIDENCY_LABEL
from core.pii import PII_READ, decrypt, sees_birth_date, served_id_mask, served_phone_mask

BATCH = 1000


@dataclass(frozen=True)
class ExportColumn:
    key: str  # stable English key (the GraphQL field name)
    header: str  # Chinese header


@dataclass(frozen=True)
class ExportDefinition:
    """A downloadable list: ``/export/<name>.csv`` or ``.xlsx``.

    ``rows(viewer, filters, full)`` is an async iterator of cell lists in column order;
    ``filters`` is the decoded ``filter`` query parameter (a JSON object, the GraphQL
    field's filter argument names), ``full`` whether full personal data was asked for."""

    name: str
    title: str
    columns: tuple[ExportColumn, ...]
    rows: Callable[..., AsyncIterator[list]]
    permission: str | None = None  # needed anywhere to export at all (None: the list's own scope decides)


class ExportRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


async def keyset(qs, batch: int = BATCH) -> AsyncIterator[list]:
    """The queryset's rows in id order, BATCH at a time (WHERE id > last ORDER BY id LIMIT n)."""
    last = 0
    while True:
        rows = await qs.filter(id__gt=last).order_by("id").limit(batch)
        if not rows:
            return
        yield rows
        last = rows[-1].id
        if len(rows) < batch:
            return


# ---------------------------------------------------------------- core's lists

RESIDENT_COLUMNS = tuple(ExportColumn(c.key, c.header) for c in REGISTRY_COLUMNS) + (
    ExportColumn("status", "状态"),
)
STATUS_LABEL = {
    ResidentStatus.ACTIVE: "在住",
    ResidentStatus.MOVED_OUT: "迁出",
    ResidentStatus.DECEASED: "死亡",
}


async def _resident_where(viewer, filters: dict) -> Q:
    """The filters of Query.residents that a download offers: areaId, unitId, status, residencyType, tags, search."""
    from core.enums import AREA_TYPE_NAMES
    from core.ids import decode_int_gid

    parts = []
    if filters.get("areaId"):
        pk = decode_int_gid(str(filters["areaId"]), *AREA_TYPE_NAMES)
        area = await visible(viewer, m.Area).get_or_none(id=pk) if pk else None
        parts.append(below(area))
    if filters.get("unitId"):
        pk = decode_int_gid(str(filters["unitId"]), "Unit")
        parts.append(Q(unit_id=pk) if pk else Q(id__in=[]))
    if filters.get("status"):
        parts.append(Q(status=ResidentStatus(filters["status"])))
    if filters.get("residencyType"):
        parts.append(Q(residency_type=ResidencyType(filters["residencyType"])))
    for tag in filters.get("tags") or []:
        parts.append(Q(tags_text__contains=f"|{tag}|"))
    if filters.get("search"):
        parts.append(Q(name__icontains=str(filters["search"])[:100]))
    return Q(*parts) if parts else Q()


async def _resident_rows(viewer, filters: dict, full: bool) -> AsyncIterator[list]:
    qs = visible(viewer, m.Resident).filter(await _resident_where(viewer, filters))
    areas: dict[int, str] = {}
    units: dict[int, str] = {}
    async for batch in keyset(qs):
        need_areas = (
            {
                getattr(r, c)
                for r in batch
                for c in ("district_ref", "subdistrict_ref", "community_ref", "compound_ref", "building_ref")
            }
            - set(areas)
            - {None}
        )
        if need_areas:
            areas.update(dict(await m.Area.filter(id__in=list(need_areas)).values_list("id", "name")))
        need_units = {r.unit_id for r in batch if r.unit_id} - set(units)
        if need_units:
            units.update(dict(await m.Unit.filter(id__in=list(need_units)).values_list("id", "label")))
        for r in batch:
            reads = full and viewer.can(PII_READ, r)
            birth = r.birth_date if sees_birth_date(viewer, r) else None
            yield [
                areas.get(r.district_ref),
                areas.get(r.subdistrict_ref),
                areas.get(r.community_ref),
                areas.get(r.compound_ref),
                areas.get(r.building_ref),
                units.get(r.unit_id),
                r.name,
                decrypt(r.id_number_cipher, "id_number")
                if reads and r.id_number_cipher
                else served_id_mask(r.id_number_masked),
                decrypt(r.phone_cipher, "phone")
                if reads and r.phone_cipher
                else served_phone_mask(r.phone_masked),
                GENDER_LABEL.get(r.gender),
                birth.isoformat() if birth else None,
                RESIDENCY_LABEL.get(r.residency_type),
                RELATION_LABEL.get(r.relation_to_head),
                "是" if r.is_party_member else "否",
                "、".join(r.tags),
                r.moved_in_on.isoformat() if r.moved_in_on else None,
                STATUS_LABEL.get(r.status),
            ]


async def _unit_rows(viewer, filters: dict, full: bool) -> AsyncIterator[list]:
    buildings: dict[int, str] = {}
    async for batch in keyset(visible(viewer, m.Unit)):
        need = {u.building_id for u in batch} - set(buildings)
        if need:
            buildings.update(dict(await m.Area.filter(id__in=list(need)).values_list("id", "name")))
        for u in batch:
            yield [buildings.get(u.building_id), u.label, u.floor, u.area_sqm, u.usage.value]


async def _organization_rows(viewer, filters: dict, full: bool) -> AsyncIterator[list]:
    async for batch in keyset(visible(viewer, m.Organization)):
        for o in batch:
            yield [o.name, o.kind.value, o.contact_name, o.contact_phone]


def core_exports() -> list[ExportDefinition]:
    return [
        ExportDefinition("residents", "居民台账", RESIDENT_COLUMNS, _resident_rows),
        ExportDefinition(
            "units",
            "房屋台账",
            (
                ExportColumn("building", "楼栋"),
                ExportColumn("label", "户号"),
                ExportColumn("floor", "楼层"),
                ExportColumn("areaSqm", "面积（平方米）"),
                ExportColumn("usage", "用途"),
            ),
            _unit_rows,
        ),
        ExportDefinition(
            "organizations",
            "共建单位",
            (
                ExportColumn("name", "名称"),
                ExportColumn("kind", "类别"),
                ExportColumn("contactName", "联系人"),
                ExportColumn("contactPhone", "联系电话"),
            ),
            _organization_rows,
        ),
    ]


# ---------------------------------------------------------------- writers


def _cell(value) -> object:
    return "" if value is None else value


async def csv_stream(
    definition: ExportDefinition, rows: AsyncIterator[list], english_keys: bool, counter: list[int]
) -> AsyncIterator[bytes]:
    """UTF-8 with a byte-order mark (Excel opens it as UTF-8), a batch of rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in definition.columns])
    if english_keys:
        writer.writerow([c.key for c in definition.columns])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    async for row in rows:
        writer.writerow([_cell(v) for v in row])
        counter[0] += 1
        pending += 1
        if pending >= BATCH:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def parse_filters(raw: str | None) -> dict:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ExportRefused(400, "INVALID_INPUT", "filter must be a JSON object.") from None
    if not isinstance(value, dict):
        raise ExportRefused(400, "INVALID_INPUT", "filter must be a JSON object.")
    return value
