"""The mediation plugin's downloadable list: dispute cases (lastmile_exports), in the scope of disputeCases."""

from __future__ import annotations

from core import clock
from core import models as m
from core.access import visible
from core.ledgers.exports import ExportColumn, ExportDefinition, keyset
from plugins.mediation.models import DisputeCase

COLUMNS = (
    ExportColumn("caseNumber", "案件编号"),
    ExportColumn("title", "纠纷事由"),
    ExportColumn("category", "类别"),
    ExportColumn("status", "状态"),
    ExportColumn("area", "所在区域"),
    ExportColumn("handlingLevel", "办理层级"),
    ExportColumn("reportedAt", "登记日期"),
    ExportColumn("resolvedAt", "化解日期"),
)


async def case_rows(viewer, filters: dict, full: bool):
    areas: dict[int, str] = {}
    qs = visible(viewer, DisputeCase)
    if filters.get("status"):
        qs = qs.filter(status=str(filters["status"]))
    async for batch in keyset(qs):
        missing = {c.area_id for c in batch} - set(areas)
        if missing:
            areas.update(dict(await m.Area.filter(id__in=list(missing)).values_list("id", "name")))
        for c in batch:
            yield [
                c.case_number,
                c.title,
                c.category.value,
                c.status.value,
                areas.get(c.area_id, ""),
                c.handling_level.value,
                clock.local_date(c.reported_at).isoformat(),
                clock.local_date(c.resolved_at).isoformat() if c.resolved_at else None,
            ]


def exports() -> list[ExportDefinition]:
    return [ExportDefinition("mediation.cases", "矛盾纠纷台账", COLUMNS, case_rows)]
