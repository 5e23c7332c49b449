"""Assessors' scores: one per assessor per criterion per nomination; scoring again replaces it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.audit import record
from core.errors import Code, UserFailure, not_found
from core.ids import decode_int_gid, gid_of
from core.services.guards import optional_text, require
from plugins.civility import models as cm
from plugins.civility.access import ASSESS
from plugins.civility.enums import LIVE_NOMINATIONS, CampaignStatus
from plugins.civility.services import TEXT_MAX
from plugins.civility.services.events import nomination_changed
from plugins.civility.services.lifecycle import require_status
from plugins.civility.services.nominations import load


@dataclass
class ScoreData:
    nomination_id: str
    criterion_id: str
    score: float
    comment: str | None


async def score(context, data: ScoreData) -> cm.Nomination:
    viewer = context.viewer
    nomination, campaign = await load(context, data.nomination_id, "nominationId")
    criterion_pk = decode_int_gid(data.criterion_id, "RatingCriterion")
    criterion = (
        await cm.Criterion.filter(id=criterion_pk, campaign_id=campaign.id).first() if criterion_pk else None
    )
    if criterion is None:
        raise not_found("Criterion of this campaign", "criterionId")
    require(viewer, ASSESS, nomination, "nominationId")
    require_status(campaign, (CampaignStatus.SCORING,), "Scoring", "nominationId")
    if nomination.status not in LIVE_NOMINATIONS:
        raise UserFailure(
            f"A {nomination.status.value} nomination cannot be scored.",
            Code.INVALID_TRANSITION,
            "nominationId",
        )
    if not (math.isfinite(data.score) and 0 <= data.score <= criterion.max_score):
        raise UserFailure(f"score must be 0 to {criterion.max_score:g}.", Code.OUT_OF_RANGE, "score")
    comment = optional_text(data.comment, "comment", "Comment", TEXT_MAX)
    await _upsert(nomination.id, criterion.id, viewer.user_id, data.score, comment)
    await record(
        context, "civility.scoreNomination", gid_of(nomination), f"criterion {criterion.id}: {data.score:g}"
    )
    nomination_changed(context, nomination)
    return nomination


async def _upsert(nomination_id: int, criterion_id: int, assessor_id: int, value: float, comment: str | None):
    key = {"nomination_id": nomination_id, "criterion_id": criterion_id, "assessor_id": assessor_id}
    if await cm.Score.filter(**key).update(score=value, comment=comment):
        return
    try:
        # A savepoint: losing the race to a concurrent insert must not abort the whole mutation.
        async with in_transaction():
            await cm.Score.create(**key, score=value, comment=comment)
    except IntegrityError:
        await cm.Score.filter(**key).update(score=value, comment=comment)
