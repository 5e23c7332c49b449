"""Objections during the public notice (公示) and the managers' decisions on them.

Anyone who lives (ACTIVE) in the campaign area, and staff holding
civility.campaign.read who can see the campaign (their scope overlaps its area), may object to an
nomination still in the running (PENDING or APPROVED) while the campaign is PUBLIC_NOTICE and, when
publicNoticeEndsOn is set, not after that day. Managers (civility.campaign.manage
over the campaign) decide each objection once: upheld rejects the nomination.
"""

from __future__ import annotations

import datetime as dt

from core import clock
from core.audit import record
from core.errors import Code, UserFailure
from core.ids import gid_of
from core.services.guards import find, require, require_text
from plugins.civility import models as cm
from plugins.civility.access import MANAGE, READ
from plugins.civility.enums import LIVE_NOMINATIONS, CampaignStatus, NominationStatus
from plugins.civility.services.events import nomination_changed
from plugins.civility.services.lifecycle import require_status
from plugins.civility.services.nominations import load
from plugins.civility.services.residency import resident_of_area


async def file(context, gid: str, reason: str) -> cm.Nomination:
    viewer = context.viewer
    field = ["nominationId"]
    nomination, campaign = await load(context, gid, field)
    require_status(campaign, (CampaignStatus.PUBLIC_NOTICE,), "Filing an objection", field)
    if campaign.public_notice_ends_on and clock.today() > campaign.public_notice_ends_on:
        raise UserFailure("The public notice period has ended.", Code.INVALID_TRANSITION, field)
    if nomination.status not in LIVE_NOMINATIONS:
        raise UserFailure(
            f"A {nomination.status.value} nomination is not on public notice.", Code.INVALID_TRANSITION, field
        )
    # The nomination was found through the campaign policy: any reader of it counts as staff.
    staff = viewer.can(READ)
    if not staff and await resident_of_area(viewer, campaign.area_id) is None:
        raise UserFailure("Only residents of the campaign area and staff may object.", Code.FORBIDDEN, field)
    text = require_text(reason, ["reason"], "Reason", 2000)
    objection = await cm.Objection.create(
        nomination_id=nomination.id, reason=text, filed_by_id=viewer.user_id
    )
    await record(context, "civility.fileObjection", gid_of(nomination), f"objection {objection.id}")
    nomination_changed(context, nomination)
    return nomination


async def decide(context, gid: str, uphold: bool) -> cm.Nomination:
    viewer = context.viewer
    field = ["objectionId"]
    objection = await find(viewer, cm.Objection, gid, field, "Objection")
    nomination, campaign = await load_by_pk(objection.nomination_id)
    require(viewer, MANAGE, campaign, field)
    require_status(campaign, (CampaignStatus.PUBLIC_NOTICE,), "Deciding an objection", field)
    decided = await cm.Objection.filter(id=objection.id, upheld__isnull=True).update(
        upheld=uphold, decided_by_id=viewer.user_id, decided_at=dt.datetime.now(dt.UTC)
    )
    if not decided:
        raise UserFailure("This objection has already been decided.", Code.INVALID_TRANSITION, field)
    await record(
        context,
        "civility.decideObjection",
        gid_of(nomination),
        f"objection {objection.id}: {'upheld' if uphold else 'dismissed'}",
    )
    if uphold:
        await cm.Nomination.filter(id=nomination.id, status__in=LIVE_NOMINATIONS).update(
            status=NominationStatus.REJECTED, rejected_by_objection=True
        )
    nomination_changed(context, nomination)
    return await cm.Nomination.get(id=nomination.id)


async def load_by_pk(nomination_id: int) -> tuple[cm.Nomination, cm.Campaign]:
    nomination = await cm.Nomination.get(id=nomination_id)
    return nomination, await cm.Campaign.filter(id=nomination.campaign_id).select_for_update().get()
