"""Creating, advancing, cancelling and publishing campaigns."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from core import models as m
from core.audit import record
from core.enums import AREA_TYPE_NAMES
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.services.guards import find, optional_text, require, require_text
from plugins.civility import models as cm
from plugins.civility.access import MANAGE
from plugins.civility.enums import CampaignKind, CampaignStatus
from plugins.civility.services import TEXT_MAX, awards, lifecycle
from plugins.civility.services.scoring import DEFAULT_STAR_THRESHOLDS

CAMPAIGN = "CivilityCampaign"
MIN_YEAR, MAX_YEAR = 1949, 2100
# Upper bound of a criterion's weight and maxScore: keeps every total finite (no inf/NaN).
MAX_CRITERION_VALUE = 1_000_000.0


@dataclass
class CriterionData:
    name: str
    description: str | None
    weight: float
    max_score: float


@dataclass
class ThresholdData:
    stars: int
    min_score: float


@dataclass
class CampaignData:
    title: str
    kind: CampaignKind
    area_id: str
    year: int
    criteria: list[CriterionData]
    star_thresholds: list[ThresholdData] | None
    public_notice_ends_on: dt.date | None


def _bad(message: str, *field: str | int) -> UserFailure:
    return UserFailure(message, Code.INVALID_INPUT, ".".join(str(f) for f in field))


def _positive(value: float) -> bool:
    return math.isfinite(value) and value > 0


def _check_criteria(kind: CampaignKind, items: list[CriterionData]) -> list[CriterionData]:
    # Star households are scored, so they need something to score on; the other kinds are
    # "nominated and voted on" (contract) and may be run without rating criteria.
    if not items and kind == CampaignKind.STAR_HOUSEHOLD:
        raise _bad("Give at least one rating criterion.", "criteria")
    seen: set[str] = set()
    clean = []
    for i, c in enumerate(items):
        name = require_text(c.name, f"criteria.{i}.name", "Criterion name", 100)
        if name in seen:
            raise UserFailure(f"Criterion {name!r} is given twice.", Code.DUPLICATE, f"criteria.{i}.name")
        seen.add(name)
        if not _positive(c.weight):
            raise _bad("weight must be greater than 0.", "criteria", i, "weight")
        if not _positive(c.max_score):
            raise _bad("maxScore must be greater than 0.", "criteria", i, "maxScore")
        for value, label in ((c.weight, "weight"), (c.max_score, "maxScore")):
            if value > MAX_CRITERION_VALUE:
                raise UserFailure(
                    f"{label} may be at most {MAX_CRITERION_VALUE:,.0f}.",
                    Code.OUT_OF_RANGE,
                    f"criteria.{i}.{label}",
                )
        description = optional_text(c.description, f"criteria.{i}.description", "Description", TEXT_MAX)
        clean.append(CriterionData(name, description, c.weight, c.max_score))
    return clean


def _check_thresholds(kind: CampaignKind, items: list[ThresholdData] | None) -> list[dict]:
    # Stars are given in STAR_HOUSEHOLD campaigns only; thresholds given for another kind are
    # checked and kept as given, but never give stars.
    if not items:
        return [dict(t) for t in DEFAULT_STAR_THRESHOLDS] if kind == CampaignKind.STAR_HOUSEHOLD else []
    out: dict[int, float] = {}
    for i, t in enumerate(items):
        if not 1 <= t.stars <= 5:
            raise UserFailure("stars must be 1 to 5.", Code.OUT_OF_RANGE, f"starThresholds.{i}.stars")
        if not (math.isfinite(t.min_score) and 0 <= t.min_score <= 100):
            raise UserFailure("minScore must be 0 to 100.", Code.OUT_OF_RANGE, f"starThresholds.{i}.minScore")
        if t.stars in out:
            raise UserFailure(
                f"{t.stars} stars are given twice.", Code.DUPLICATE, f"starThresholds.{i}.stars"
            )
        out[t.stars] = float(t.min_score)
    ordered = sorted(out.items())
    for (_, low), (stars, high) in zip(ordered, ordered[1:], strict=False):
        if high < low:
            raise _bad(f"{stars} stars must not need a lower score than fewer stars.", "starThresholds")
    return [{"stars": s, "minScore": score} for s, score in ordered]


async def create(context, data: CampaignData) -> cm.Campaign:
    viewer = context.viewer
    area = await find(viewer, m.Area, data.area_id, "areaId", *AREA_TYPE_NAMES, what="Area")
    require(viewer, MANAGE, area, "areaId")
    title = require_text(data.title, "title", "Title")
    if not MIN_YEAR <= data.year <= MAX_YEAR:
        raise UserFailure(f"year must be {MIN_YEAR} to {MAX_YEAR}.", Code.OUT_OF_RANGE, "year")
    criteria = _check_criteria(data.kind, data.criteria)
    thresholds = _check_thresholds(data.kind, data.star_thresholds)
    campaign = cm.Campaign(
        title=title,
        kind=data.kind,
        area_id=area.id,
        year=data.year,
        star_thresholds=thresholds,
        public_notice_ends_on=data.public_notice_ends_on,
        created_by_id=viewer.user_id,
    )
    campaign.set_lineage(area.lineage())
    await campaign.save()
    await cm.Criterion.bulk_create(
        [
            cm.Criterion(
                campaign_id=campaign.id,
                name=c.name,
                description=c.description,
                weight=c.weight,
                max_score=c.max_score,
                position=i,
            )
            for i, c in enumerate(criteria)
        ]
    )
    await record(context, "civility.createCampaign", gid_of(campaign))
    return campaign


async def _managed(context, gid: str) -> cm.Campaign:
    campaign = await find(
        context.viewer, cm.Campaign, gid, ["campaignId"], CAMPAIGN, what="Campaign", for_update=True
    )
    require(context.viewer, MANAGE, campaign, ["campaignId"])
    return campaign


async def advance(context, gid: str, expected: CampaignStatus | None = None) -> cm.Campaign:
    campaign = await _managed(context, gid)
    field = ["campaignId"]
    if expected is not None and campaign.status != expected:
        raise UserFailure(
            f"The campaign is {campaign.status.value}, not {expected.value}.",
            Code.INVALID_TRANSITION,
            ["expectedStatus"],
        )
    target = lifecycle.next_status(campaign, field)
    # Only the status gates a step (issue 5): nominations nobody reviewed stay PENDING and are never
    # awarded; objections nobody decided leave their nomination standing.
    if target == CampaignStatus.PUBLISHED:
        # The conditional move comes first: of two racing publications only one awards.
        await lifecycle.move(campaign, target, field, published_at=dt.datetime.now(dt.UTC))
        await awards.award(context, campaign)
    else:
        await lifecycle.move(campaign, target, field)
    await record(context, "civility.advanceCampaign", gid_of(campaign), target.value)
    return campaign


async def cancel(context, gid: str, reason: str) -> cm.Campaign:
    campaign = await _managed(context, gid)
    text = require_text(reason, ["reason"], "Reason", 2000)
    await lifecycle.move(campaign, CampaignStatus.CANCELLED, ["campaignId"], cancel_reason=text)
    await record(context, "civility.cancelCampaign", gid_of(campaign), text)
    return campaign


async def area_usage(area_id: int) -> str | None:
    """Why an area cannot be deleted yet (lastmile_area_usage), or None."""
    if await cm.Campaign.filter(area_id=area_id).exists():
        return "civility campaigns are run for this area"
    return None
