"""Publication: APPROVED nominations that pass become AWARDED, and their households hear of it.

Passing means: for STAR_HOUSEHOLD, a star level reached (the total reaches at
least the lowest threshold); for the other kinds, approved by an assessor and
not rejected by an upheld objection (an upheld objection has already made the
nomination REJECTED). Approved nominations that do not pass stay APPROVED.
Total and stars are frozen on the nomination at publication.
"""

from __future__ import annotations

from core import models as m
from core.enums import ResidentStatus
from core.services.notifications import notify
from plugins.civility import models as cm
from plugins.civility.enums import CampaignKind, NominationStatus
from plugins.civility.loaders import criterion_means
from plugins.civility.services.events import nomination_changed
from plugins.civility.services.scoring import star_level, total_score

KIND_TITLES = {
    CampaignKind.STAR_HOUSEHOLD: "星级文明户",
    CampaignKind.MOST_BEAUTIFUL_FAMILY: "最美家庭",
    CampaignKind.MODEL_PERSON: "先进人物",
}


async def award(context, campaign: cm.Campaign) -> list[cm.Nomination]:
    approved = await cm.Nomination.filter(campaign_id=campaign.id, status=NominationStatus.APPROVED).order_by(
        "id"
    )
    criteria = await cm.Criterion.filter(campaign_id=campaign.id).order_by("position", "id")
    # Publication is the campaign's own act: every score counts, whoever may read it.
    means = await criterion_means(cm.Score.all(), [n.id for n in approved])
    awarded = []
    for n in approved:
        total = total_score(criteria, means.get(n.id, {}))
        stars = (
            star_level(campaign.star_thresholds, total)
            if campaign.kind == CampaignKind.STAR_HOUSEHOLD
            else None
        )
        passes = stars is not None if campaign.kind == CampaignKind.STAR_HOUSEHOLD else True
        status = NominationStatus.AWARDED if passes else NominationStatus.APPROVED
        await cm.Nomination.filter(id=n.id).update(status=status, final_score=total, award_stars=stars)
        if passes:
            n.status, n.final_score, n.award_stars = status, total, stars
            awarded.append(n)
        nomination_changed(context, n)
    await _notify_households(context, campaign, awarded)
    return awarded


async def _notify_households(context, campaign: cm.Campaign, awarded: list[cm.Nomination]) -> None:
    """Every active account of the nominee's household: the users linked to active residents of the
    awarded unit, or of the awarded person's unit (the person included, wherever they live now)."""
    person_units = dict(
        await m.Resident.filter(id__in=[n.resident_id for n in awarded if n.resident_id]).values_list(
            "id", "unit_id"
        )
    )
    unit_ids = {n.unit_id for n in awarded if n.unit_id} | {u for u in person_units.values() if u}
    by_unit: dict[int, set[int]] = {}
    for row in await m.User.filter(
        resident__unit_id__in=sorted(unit_ids), resident__status=ResidentStatus.ACTIVE, is_active=True
    ).values("id", "resident__unit_id"):
        by_unit.setdefault(row["resident__unit_id"], set()).add(row["id"])
    by_resident = {
        row["resident_id"]: row["id"]
        for row in await m.User.filter(resident_id__in=sorted(person_units), is_active=True).values(
            "id", "resident_id"
        )
    }
    honour = KIND_TITLES[campaign.kind]
    for n in awarded:
        if n.unit_id:
            users = set(by_unit.get(n.unit_id, ()))
        else:
            users = set(by_unit.get(person_units.get(n.resident_id), ()))
            if n.resident_id in by_resident:
                users.add(by_resident[n.resident_id])
        if not users:
            continue
        stars = f"（{n.award_stars}星）" if n.award_stars else ""
        await notify(
            context,
            sorted(users),
            "civility.awarded",
            f"荣获{campaign.year}年度{honour}{stars}",
            f"{campaign.title}: your nomination has been awarded.",
            subject=n,
        )
