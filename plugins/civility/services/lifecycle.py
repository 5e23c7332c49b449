"""The campaign state machine: the one place that says which status may follow which.

DRAFT -> NOMINATING -> SCORING -> PUBLIC_NOTICE -> PUBLISHED, one step at a
time, and any status before PUBLISHED -> CANCELLED. A move is one conditional
UPDATE (``WHERE status = <the status we saw>``), so of two concurrent moves
from the same status exactly one wins; the other is INVALID_TRANSITION.
"""

from __future__ import annotations

from core.errors import Code, Field, UserFailure
from plugins.civility import models as cm
from plugins.civility.enums import LIFECYCLE, VOTING_STATUSES, CampaignStatus

NEXT: dict[CampaignStatus, CampaignStatus] = dict(zip(LIFECYCLE, LIFECYCLE[1:], strict=False))
CANCELLABLE = frozenset(LIFECYCLE[:-1])


def may_move(current: CampaignStatus, target: CampaignStatus) -> bool:
    if target == CampaignStatus.CANCELLED:
        return current in CANCELLABLE
    return NEXT.get(current) == target


def next_status(campaign: cm.Campaign, field: Field) -> CampaignStatus:
    target = NEXT.get(campaign.status)
    if target is None:
        raise UserFailure(
            f"A {campaign.status.value} campaign cannot advance.", Code.INVALID_TRANSITION, field
        )
    return target


async def move(campaign: cm.Campaign, target: CampaignStatus, field: Field, **changes) -> cm.Campaign:
    if not may_move(campaign.status, target):
        raise UserFailure(
            f"A {campaign.status.value} campaign cannot move to {target.value}.",
            Code.INVALID_TRANSITION,
            field,
        )
    moved = await cm.Campaign.filter(id=campaign.id, status=campaign.status).update(status=target, **changes)
    if not moved:
        raise UserFailure(
            "The campaign changed meanwhile; reload it and try again.", Code.INVALID_TRANSITION, field
        )
    campaign.status = target
    for name, value in changes.items():
        setattr(campaign, name, value)
    return campaign


def require_status(
    campaign: cm.Campaign, allowed: tuple[CampaignStatus, ...], action: str, field: Field
) -> None:
    """INVALID_TRANSITION unless the campaign is in one of ``allowed``."""
    if campaign.status not in allowed:
        names = " or ".join(s.value for s in allowed)
        raise UserFailure(
            f"{action} is possible only while the campaign is {names} (it is {campaign.status.value}).",
            Code.INVALID_TRANSITION,
            field,
        )


def voting_open(campaign: cm.Campaign) -> bool:
    return campaign.status in VOTING_STATUSES
