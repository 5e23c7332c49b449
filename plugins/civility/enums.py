"""Enumerations of the civility plugin, shared by its tables and its schema."""

from __future__ import annotations

from enum import Enum

import strawberry

v = strawberry.enum_value


@strawberry.enum(description="What a civility campaign selects.")
class CampaignKind(Enum):
    STAR_HOUSEHOLD = v(
        "STAR_HOUSEHOLD",
        description="Star-rated civilized household (星级文明户): a unit is scored and given 1 to 5 stars.",
    )
    MOST_BEAUTIFUL_FAMILY = v(
        "MOST_BEAUTIFUL_FAMILY",
        description="Most beautiful family (最美家庭): a unit is nominated and voted on.",
    )
    MODEL_PERSON = v(
        "MODEL_PERSON", description="Model person (先进人物/道德模范): a resident is nominated and voted on."
    )


@strawberry.enum(
    description="DRAFT -> NOMINATING -> SCORING -> PUBLIC_NOTICE -> PUBLISHED, one step at a time; "
    "any status -> CANCELLED before PUBLISHED."
)
class CampaignStatus(Enum):
    DRAFT = v("DRAFT", description="Being prepared; not yet open for nominations.")
    NOMINATING = v("NOMINATING", description="Open for nominations; residents may vote.")
    SCORING = v("SCORING", description="Assessors review and score nominations; residents may still vote.")
    PUBLIC_NOTICE = v(
        "PUBLIC_NOTICE", description="Results shown publicly (公示); residents and staff may file objections."
    )
    PUBLISHED = v("PUBLISHED", description="Final: passing nominations are AWARDED.")
    CANCELLED = v("CANCELLED", description="Stopped before publication; nothing is awarded.")


@strawberry.enum(description="Where a nomination stands.")
class NominationStatus(Enum):
    PENDING = v("PENDING", description="Nominated, not yet reviewed by an assessor.")
    APPROVED = v(
        "APPROVED", description="Approved by an assessor; will be awarded on publication if it passes."
    )
    REJECTED = v("REJECTED", description="Rejected by an assessor, or by an upheld objection.")
    WITHDRAWN = v("WITHDRAWN", description="Withdrawn by the nominator or a manager.")
    AWARDED = v("AWARDED", description="Honoured when the campaign was published.")


@strawberry.enum(description="How a campaign's nominations are ordered.")
class NominationOrder(Enum):
    SUBMITTED = v("SUBMITTED", description="In the order they were made (the default).")
    VOTES = v("VOTES", description="Most votes first; ties in the order they were made.")
    TOTAL_SCORE = v(
        "TOTAL_SCORE",
        description="Highest total score first, unscored last; ties in the order they were made.",
    )


HOUSEHOLD_KINDS = (CampaignKind.STAR_HOUSEHOLD, CampaignKind.MOST_BEAUTIFUL_FAMILY)

# Campaign statuses in lifecycle order; advance moves one step along this.
LIFECYCLE = (
    CampaignStatus.DRAFT,
    CampaignStatus.NOMINATING,
    CampaignStatus.SCORING,
    CampaignStatus.PUBLIC_NOTICE,
    CampaignStatus.PUBLISHED,
)
VOTING_STATUSES = (CampaignStatus.NOMINATING, CampaignStatus.SCORING)
# Nominations still in the running (may be scored, voted for, objected to).
LIVE_NOMINATIONS = (NominationStatus.PENDING, NominationStatus.APPROVED)
