"""Nominating, withdrawing and reviewing.

Who may nominate (the rule front-ends rely on):
- staff holding civility.nominate or civility.campaign.manage over the
  nominated unit or resident;
- a resident living (ACTIVE) in the campaign area, for any household (unit)
  or person living in that area: their own, a neighbour's, anyone's there
  (selections are public within the campaign area). Anyone else: FORBIDDEN.
The target must exist (else NOT_FOUND; staff must also be able to see it)
and lie inside the campaign area (else INVALID_TARGET).
"""

from __future__ import annotations

from dataclasses import dataclass

from core import models as m
from core.audit import record
from core.enums import ResidentStatus
from core.errors import Code, Field, UserFailure
from core.ids import decode_gid, decode_int_gid, gid_of
from core.services.guards import find, optional_text, require, require_text
from plugins.civility import models as cm
from plugins.civility.access import ASSESS, MANAGE, NOMINATE
from plugins.civility.enums import HOUSEHOLD_KINDS, LIVE_NOMINATIONS, CampaignStatus, NominationStatus
from plugins.civility.services import TEXT_MAX
from plugins.civility.services.events import nomination_changed
from plugins.civility.services.lifecycle import require_status
from plugins.civility.services.residency import inside, resident_of_area

NOMINATION = "Nomination"


@dataclass
class NominateData:
    campaign_id: str
    unit_id: str | None
    resident_id: str | None
    reason: str


# The other kind of nominee: a person's id where a household's is expected is the wrong target.
OTHER_KIND = {"Unit": "Resident", "Resident": "Unit"}


async def _lookup(viewer, model, gid: str, field: Field, type_name: str, home):
    """The nominee row: one the viewer sees or, for a resident of the campaign area (``home``), any row
    of that id: residents nominate neighbours they cannot otherwise read (the area check follows)."""
    parts = decode_gid(gid)
    if parts is not None and parts[0] == OTHER_KIND[type_name]:
        raise UserFailure(
            f"Give the id of a {type_name.lower()} here, not of a {parts[0].lower()}.",
            Code.INVALID_TARGET,
            field,
        )
    try:
        return await find(viewer, model, gid, field, type_name)
    except UserFailure:
        if home is None:
            raise
        pk = decode_int_gid(gid, type_name)
        row = await model.filter(id=pk).first() if pk else None
        if row is None:
            raise
        return row


async def _target(viewer, campaign: cm.Campaign, data: NominateData, home):
    if campaign.kind in HOUSEHOLD_KINDS:
        if data.resident_id is not None or data.unit_id is None:
            raise UserFailure(
                f"A {campaign.kind.value} campaign nominates households: give unitId only.",
                Code.INVALID_TARGET,
                "unitId",
            )
        field = "unitId"
        target = await _lookup(viewer, m.Unit, data.unit_id, field, "Unit", home)
    else:
        if data.unit_id is not None or data.resident_id is None:
            raise UserFailure(
                f"A {campaign.kind.value} campaign nominates people: give residentId only.",
                Code.INVALID_TARGET,
                "residentId",
            )
        field = "residentId"
        target = await _lookup(viewer, m.Resident, data.resident_id, field, "Resident", home)
        if target.status != ResidentStatus.ACTIVE:
            raise UserFailure("Only residents who live here can be nominated.", Code.INVALID_TARGET, field)
    if not inside(target, campaign.area_id):
        raise UserFailure("The nominee is outside the campaign area.", Code.INVALID_TARGET, field)
    return target, field


async def nominate(context, data: NominateData) -> cm.Nomination:
    viewer = context.viewer
    campaign = await find(
        viewer,
        cm.Campaign,
        data.campaign_id,
        "campaignId",
        "CivilityCampaign",
        what="Campaign",
        for_update=True,
    )
    require_status(campaign, (CampaignStatus.NOMINATING,), "Nominating", "campaignId")
    # Residents living in the campaign area may nominate anyone there; staff need the permission.
    home = await resident_of_area(viewer, campaign.area_id)
    target, field = await _target(viewer, campaign, data, home)
    if home is None and not (viewer.can(NOMINATE, target) or viewer.can(MANAGE, target)):
        raise UserFailure("You may not nominate this household or person.", Code.FORBIDDEN, field)
    reason = require_text(data.reason, "reason", "Reason", 2000)
    key = {"unit_id": target.id} if isinstance(target, m.Unit) else {"resident_id": target.id}
    if home is not None and not (viewer.can(NOMINATE, target) or viewer.can(MANAGE, target)):
        await _check_resident_quota(viewer, campaign, key, field)
    existing = await cm.Nomination.filter(campaign_id=campaign.id, **key).first()
    if existing is not None:
        # A withdrawn nomination may be renewed; its row keeps the one-per-target constraint.
        revived = await cm.Nomination.filter(id=existing.id, status=NominationStatus.WITHDRAWN).update(
            status=NominationStatus.PENDING,
            reason=reason,
            nominated_by_id=viewer.user_id,
            review_note=None,
            reviewed_by_id=None,
        )
        if not revived:
            raise UserFailure("This nominee is already nominated in this campaign.", Code.DUPLICATE, field)
        await record(context, "civility.nominate", gid_of(existing), "renewed")
        nomination_changed(context, existing)
        return await cm.Nomination.get(id=existing.id)
    nomination = cm.Nomination(campaign_id=campaign.id, reason=reason, nominated_by_id=viewer.user_id, **key)
    nomination.set_lineage(target.lineage())
    await nomination.save()
    await record(context, "civility.nominate", gid_of(nomination))
    nomination_changed(context, nomination)
    return nomination


# A resident may nominate households and people they cannot otherwise read, and the
# payload names the nominee (nomineeName): without a bound, nominating and withdrawing in
# turn would list every unit's head. Each resident may name this many nominees per
# campaign, withdrawn ones included (renewing one of their own is free); the campaign
# row is locked (PostgreSQL), so parallel nominations cannot overshoot.
RESIDENT_NOMINEES_PER_CAMPAIGN = 5


async def _check_resident_quota(viewer, campaign: cm.Campaign, key: dict, field: Field) -> None:
    mine = cm.Nomination.filter(campaign_id=campaign.id, nominated_by_id=viewer.user_id)
    if await mine.filter(**key).exists():
        return
    if await mine.count() >= RESIDENT_NOMINEES_PER_CAMPAIGN:
        raise UserFailure(
            f"A resident may nominate at most {RESIDENT_NOMINEES_PER_CAMPAIGN} households or "
            "people per campaign.",
            Code.RATE_LIMITED,
            field,
        )


async def load(context, gid: str, field: Field, *, lock: bool = True) -> tuple[cm.Nomination, cm.Campaign]:
    """The nomination and its campaign; ``lock`` holds the campaign row (PostgreSQL) so that
    the status checked here cannot move before this transaction commits."""
    nomination = await find(context.viewer, cm.Nomination, gid, field, NOMINATION)
    qs = cm.Campaign.filter(id=nomination.campaign_id)
    return nomination, await (qs.select_for_update() if lock else qs).get()


async def withdraw(context, gid: str) -> cm.Nomination:
    viewer = context.viewer
    field = ["nominationId"]
    nomination, campaign = await load(context, gid, field)
    own = viewer.user_id is not None and nomination.nominated_by_id == viewer.user_id
    if not own and not viewer.can(MANAGE, nomination):
        require(viewer, MANAGE, campaign, field)
    require_status(campaign, (CampaignStatus.NOMINATING, CampaignStatus.SCORING), "Withdrawing", field)
    changed = await cm.Nomination.filter(id=nomination.id, status__in=LIVE_NOMINATIONS).update(
        status=NominationStatus.WITHDRAWN
    )
    if not changed:
        raise UserFailure(
            f"A {nomination.status.value} nomination cannot be withdrawn.", Code.INVALID_TRANSITION, field
        )
    await record(context, "civility.withdrawNomination", gid_of(nomination))
    nomination_changed(context, nomination)
    return await cm.Nomination.get(id=nomination.id)


async def review(context, gid: str, approve: bool, note: str | None) -> cm.Nomination:
    """Approve or reject; the decision may be changed while the campaign is SCORING."""
    viewer = context.viewer
    field = ["nominationId"]
    nomination, campaign = await load(context, gid, field)
    require(viewer, ASSESS, nomination, field)
    require_status(campaign, (CampaignStatus.SCORING,), "Reviewing", field)
    text = optional_text(note, ["note"], "Note", TEXT_MAX)
    reviewable = (*LIVE_NOMINATIONS, NominationStatus.REJECTED)
    changed = await cm.Nomination.filter(id=nomination.id, status__in=reviewable).update(
        status=NominationStatus.APPROVED if approve else NominationStatus.REJECTED,
        review_note=text,
        reviewed_by_id=viewer.user_id,
    )
    if not changed:
        raise UserFailure(
            f"A {nomination.status.value} nomination cannot be reviewed.", Code.INVALID_TRANSITION, field
        )
    await record(
        context, "civility.reviewNomination", gid_of(nomination), "approved" if approve else "rejected"
    )
    nomination_changed(context, nomination)
    return await cm.Nomination.get(id=nomination.id)
