"""Residents' votes: one per resident per nomination, enforced by a UNIQUE constraint.

Eligibility (documented on the mutation): the signed-in account must be
linked to a resident (else FORBIDDEN) who holds civility.vote (the resident
role, wherever it was granted; else FORBIDDEN) and lives, ACTIVE, inside the
campaign area (else NOT_ELIGIBLE).
"""

from __future__ import annotations

from core.audit import record
from core.errors import Code, UserFailure
from core.ids import gid_of
from plugins.civility import models as cm
from plugins.civility.access import VOTE
from plugins.civility.enums import LIVE_NOMINATIONS
from plugins.civility.services.events import nomination_changed
from plugins.civility.services.lifecycle import VOTING_STATUSES, require_status
from plugins.civility.services.nominations import load
from plugins.civility.services.residency import home_resident, inside

NOT_ELIGIBLE = "NOT_ELIGIBLE"


async def vote(context, gid: str) -> cm.Nomination:
    viewer = context.viewer
    field = ["nominationId"]
    if not viewer.resident_id:
        raise UserFailure(
            "Only residents may vote: this account is not linked to a resident.", Code.FORBIDDEN, field
        )
    # No campaign lock: votes are many and the UNIQUE constraint is what keeps them exact.
    nomination, campaign = await load(context, gid, field, lock=False)
    require_status(campaign, VOTING_STATUSES, "Voting", field)
    if nomination.status not in LIVE_NOMINATIONS:
        raise UserFailure(
            f"A {nomination.status.value} nomination cannot receive votes.", Code.INVALID_TRANSITION, field
        )
    resident = await home_resident(viewer)
    if resident is None or not inside(resident, campaign.area_id):
        raise UserFailure("Only residents living in the campaign area may vote.", NOT_ELIGIBLE, field)
    # Held anywhere: the account's resident role stays where it was granted when the resident
    # moves house, while where they may vote follows where they live now (checked above).
    if not viewer.can(VOTE):
        raise UserFailure(f"You lack the {VOTE} permission.", Code.FORBIDDEN, field)
    if await cm.Vote.filter(nomination_id=nomination.id, resident_id=resident.id).exists():
        raise UserFailure("You have already voted for this nomination.", Code.DUPLICATE, field)
    # A concurrent second vote passes the check above and fails on the UNIQUE
    # constraint; the mutation runner reports that as DUPLICATE too.
    await cm.Vote.create(nomination_id=nomination.id, resident_id=resident.id, user_id=viewer.user_id)
    await record(context, "civility.vote", gid_of(nomination))
    nomination_changed(context, nomination)
    return nomination
