"""The volunteers plugin's downloadable list: verified and unverified hours (lastmile_exports)."""

from __future__ import annotations

from core import clock
from core import models as m
from core.access import visible
from core.ledgers.exports import ExportColumn, ExportDefinition, keyset
from plugins.volunteers import models as vm

HOURS_COLUMNS = (
    ExportColumn("volunteer", "志愿者"),
    ExportColumn("date", "日期"),
    ExportColumn("source", "来源"),
    ExportColumn("title", "服务内容"),
    ExportColumn("hours", "时长（小时）"),
    ExportColumn("verified", "已认证"),
)


async def _names(viewer, volunteer_ids: set[int], cache: dict[int, str]) -> None:
    """Names of volunteers the viewer may read (as Volunteer.resident would show them)."""
    missing = volunteer_ids - set(cache)
    if not missing:
        return
    pairs = await visible(viewer, vm.Volunteer).filter(id__in=list(missing)).values_list("id", "resident_id")
    names = dict(
        await visible(viewer, m.Resident).filter(id__in=[r for _v, r in pairs]).values_list("id", "name")
    )
    for vid, rid in pairs:
        cache[vid] = names.get(rid, "")


async def hour_rows(viewer, filters: dict, full: bool):
    """Signup hours (by activity) then service logs, each in the scope of the GraphQL lists."""
    names: dict[int, str] = {}
    signups = visible(viewer, vm.ActivitySignup).filter(hours__isnull=False).select_related("activity")
    async for batch in keyset(signups):
        await _names(viewer, {s.volunteer_id for s in batch}, names)
        for s in batch:
            yield [
                names.get(s.volunteer_id, ""),
                clock.local_date(s.activity.starts_at).isoformat(),
                "活动",
                s.activity.title,
                s.hours,
                "是" if s.verified else "否",
            ]
    async for batch in keyset(visible(viewer, vm.ServiceLog)):
        await _names(viewer, {s.volunteer_id for s in batch}, names)
        for log in batch:
            yield [
                names.get(log.volunteer_id, ""),
                log.served_on.isoformat(),
                "服务记录",
                log.description,
                log.hours,
                "是" if log.verified else "否",
            ]


def exports() -> list[ExportDefinition]:
    return [ExportDefinition("volunteers.hours", "志愿服务时长台账", HOURS_COLUMNS, hour_rows)]
