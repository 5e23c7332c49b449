"""The civility plugin's downloadable lists: nominations and awards (lastmile_exports)."""

from __future__ import annotations

from core import models as m
from core.access import visible
from core.ledgers.exports import ExportColumn, ExportDefinition, keyset
from plugins.civility.models import Campaign, Nomination

COLUMNS = (
    ExportColumn("campaign", "评选活动"),
    ExportColumn("year", "年度"),
    ExportColumn("nominee", "推荐对象"),
    ExportColumn("unit", "户号"),
    ExportColumn("status", "状态"),
    ExportColumn("finalScore", "得分"),
    ExportColumn("awardStars", "星级"),
    ExportColumn("reason", "推荐理由"),
)


async def _rows(viewer, qs):
    campaigns: dict[int, tuple] = {}
    async for batch in keyset(qs):
        missing = {n.campaign_id for n in batch} - set(campaigns)
        if missing:
            for c in await Campaign.filter(id__in=list(missing)):
                campaigns[c.id] = (c.title, c.year)
        # Names and labels only where the viewer may read the resident or unit (as the GraphQL fields).
        names = dict(
            await visible(viewer, m.Resident)
            .filter(id__in=[n.resident_id for n in batch if n.resident_id])
            .values_list("id", "name")
        )
        labels = dict(
            await visible(viewer, m.Unit)
            .filter(id__in=[n.unit_id for n in batch if n.unit_id])
            .values_list("id", "label")
        )
        for n in batch:
            title, year = campaigns.get(n.campaign_id, ("", None))
            yield [
                title,
                year,
                names.get(n.resident_id, ""),
                labels.get(n.unit_id, ""),
                n.status.value,
                n.final_score,
                n.award_stars,
                n.reason,
            ]


def nomination_rows(viewer, filters: dict, full: bool):
    return _rows(viewer, visible(viewer, Nomination))


def award_rows(viewer, filters: dict, full: bool):
    return _rows(viewer, visible(viewer, Nomination).filter(status="AWARDED"))


def exports() -> list[ExportDefinition]:
    return [
        ExportDefinition("civility.nominations", "评选推荐台账", COLUMNS, nomination_rows),
        ExportDefinition("civility.awards", "表彰台账", COLUMNS, award_rows),
    ]
