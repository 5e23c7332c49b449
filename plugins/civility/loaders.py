"""Per-request batching for the plugin's fields: every list of nominations
costs a fixed number of statements, whatever its length."""

from __future__ import annotations

from collections import defaultdict

from strawberry.types import Info
from tortoise.expressions import Q, Subquery
from tortoise.functions import Avg

from core import models as m
from core.access import visible
from core.enums import HouseholdRelation, ResidentStatus
from plugins.civility import models as cm
from plugins.civility.access import READ
from plugins.civility.enums import CampaignKind, CampaignStatus, NominationStatus
from plugins.civility.services.scoring import star_level, total_score


def _loaders(info: Info):
    return info.context.loaders


def campaign(info: Info, campaign_id: int):
    return _loaders(info).by_id(cm.Campaign).load(campaign_id)


def criteria(info: Info, campaign_id: int):
    return _loaders(info).children(cm.Criterion, "campaign_id", order=("position", "id")).load(campaign_id)


def criterion(info: Info, criterion_id: int):
    return _loaders(info).by_id(cm.Criterion).load(criterion_id)


def nominations(info: Info, campaign_id: int, status: NominationStatus | None):
    where = Q(status=status) if status is not None else None
    return _loaders(info).children(cm.Nomination, "campaign_id", where=where, tag=status).load(campaign_id)


def scores(info: Info, nomination_id: int):
    return (
        _loaders(info).children(cm.Score, "nomination_id", order=("criterion_id", "id")).load(nomination_id)
    )


def objections(info: Info, nomination_id: int):
    return (
        _loaders(info).children(cm.Objection, "nomination_id", order=("filed_at", "id")).load(nomination_id)
    )


def vote_count(info: Info, nomination_id: int):
    return _loaders(info).counts(cm.Vote, "nomination_id").load(nomination_id)


def vote_counts(info: Info, nomination_ids: list[int]):
    return _loaders(info).counts(cm.Vote, "nomination_id").load_many(nomination_ids)


def campaign_area(info: Info, area_id: int):
    """The area of a campaign the viewer sees: shown as the campaign's context
    even to viewers who may not read that area itself (a resident, an assessor)."""
    viewer = info.context.viewer

    async def batch(ids: list[int]):
        shown = visible(viewer, cm.Campaign).filter(area_id__in=list(set(ids))).values("area_id")
        rows = {a.id: a for a in await m.Area.filter(id__in=Subquery(shown))}
        return [rows.get(i) for i in ids]

    return _loaders(info).custom(("civility", "campaign_area"), batch).load(area_id)


def assessor(info: Info, user_id: int):
    """The assessor of a score the viewer sees (named on the score, like a signature)."""
    viewer = info.context.viewer

    async def batch(ids: list[int]):
        shown = visible(viewer, cm.Score).filter(assessor_id__in=list(set(ids))).values("assessor_id")
        rows = {u.id: u for u in await m.User.filter(id__in=Subquery(shown))}
        return [rows.get(i) for i in ids]

    return _loaders(info).custom(("civility", "assessor"), batch).load(user_id)


def viewer_has_voted(info: Info, nomination_id: int):
    viewer = info.context.viewer

    async def batch(ids: list[int]):
        if not viewer.resident_id:
            return [False] * len(ids)
        voted = set(
            await visible(viewer, cm.Vote)
            .filter(resident_id=viewer.resident_id, nomination_id__in=list(set(ids)))
            .values_list("nomination_id", flat=True)
        )
        return [i in voted for i in ids]

    return _loaders(info).custom(("civility", "viewer_voted"), batch).load(nomination_id)


async def criterion_means(scores_qs, nomination_ids: list[int]) -> dict[int, dict[int, float]]:
    """nomination id -> {criterion id: mean of assessors' scores}, in one GROUP BY over ``scores_qs``."""
    rows = (
        await scores_qs.filter(nomination_id__in=list(set(nomination_ids)))
        .annotate(mean=Avg("score"))
        .group_by("nomination_id", "criterion_id")
        .values("nomination_id", "criterion_id", "mean")
    )
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for row in rows:
        out[row["nomination_id"]][row["criterion_id"]] = float(row["mean"])
    return out


def _means(info: Info, nomination_id: int):
    viewer = info.context.viewer

    async def batch(ids: list[int]):
        # Totals are public wherever the nomination is, though single scores are staff-only.
        shown = visible(viewer, cm.Nomination).filter(id__in=list(set(ids))).values("id")
        found = await criterion_means(cm.Score.filter(nomination_id__in=Subquery(shown)), ids)
        return [found.get(i, {}) for i in ids]

    return _loaders(info).custom(("civility", "means"), batch).load(nomination_id)


async def total(info: Info, nomination: cm.Nomination) -> float | None:
    means = await _means(info, nomination.id)
    if not means:
        return None
    return total_score(await criteria(info, nomination.campaign_id), means)


async def stars(info: Info, nomination: cm.Nomination) -> int | None:
    if nomination.status == NominationStatus.AWARDED:
        return nomination.award_stars
    camp = await campaign(info, nomination.campaign_id)
    if camp is None or camp.kind != CampaignKind.STAR_HOUSEHOLD:
        return None
    return star_level(camp.star_thresholds, await total(info, nomination))


def honors(info: Info, column: str, owner_id: int):
    """AWARDED nominations of a unit (column unit_id) or resident (resident_id), newest first: by the
    campaign's year, then its publication."""
    return (
        _loaders(info)
        .children(
            cm.Nomination,
            column,
            where=Q(status=NominationStatus.AWARDED),
            order=("-campaign__year", "-campaign__published_at", "-id"),
            tag="awarded",
        )
        .load(owner_id)
    )


def current_star_level(info: Info, unit_id: int):
    viewer = info.context.viewer

    async def batch(ids: list[int]):
        rows = (
            await visible(viewer, cm.Nomination)
            .filter(
                unit_id__in=list(set(ids)),
                campaign__kind=CampaignKind.STAR_HOUSEHOLD,
                campaign__status=CampaignStatus.PUBLISHED,
            )
            .values("unit_id", "status", "award_stars", "campaign__year", "campaign__published_at", "id")
        )
        latest: dict[int, tuple] = {}
        for r in rows:
            key = (r["campaign__year"], r["campaign__published_at"], r["id"])
            if r["unit_id"] not in latest or key > latest[r["unit_id"]][0]:
                stars_ = r["award_stars"] if r["status"] == NominationStatus.AWARDED else None
                latest[r["unit_id"]] = (key, stars_)
        return [latest[i][1] if i in latest else None for i in ids]

    return _loaders(info).custom(("civility", "current_stars"), batch).load(unit_id)


def _announced_to(viewer, nomination: cm.Nomination) -> bool:
    """A withdrawn nomination is no longer announced: its nominee's name stays with staff who
    read the campaign or the residents there (else nominating and withdrawing in turn would
    tell a resident the name of any household's head)."""
    if nomination.status != NominationStatus.WITHDRAWN:
        return True
    return viewer.can(READ, nomination) or viewer.can("resident.read", nomination)


def nominee_name(info: Info, nomination: cm.Nomination):
    """Name announced for the nominee: the household head's (household kinds) or the person's."""
    viewer = info.context.viewer

    async def batch(ids: list[int]):
        shown = visible(viewer, cm.Nomination).filter(id__in=list(set(ids)))
        rows = [
            {"id": r.id, "unit_id": r.unit_id, "resident_id": r.resident_id}
            for r in await shown
            if _announced_to(viewer, r)
        ]
        unit_ids = [r["unit_id"] for r in rows if r["unit_id"]]
        resident_ids = [r["resident_id"] for r in rows if r["resident_id"]]
        heads = (
            {
                r["unit_id"]: r["name"]
                for r in await m.Resident.filter(
                    unit_id__in=unit_ids,
                    status=ResidentStatus.ACTIVE,
                    relation_to_head=HouseholdRelation.HEAD,
                ).values("unit_id", "name")
            }
            if unit_ids
            else {}
        )
        people = (
            dict(await m.Resident.filter(id__in=resident_ids).values_list("id", "name"))
            if resident_ids
            else {}
        )
        names = {
            r["id"]: heads.get(r["unit_id"]) if r["unit_id"] else people.get(r["resident_id"]) for r in rows
        }
        return [names.get(i) for i in ids]

    return _loaders(info).custom(("civility", "nominee_name"), batch).load(nomination.id)
