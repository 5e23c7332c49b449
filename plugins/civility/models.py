"""Tables of the civility plugin (tortoise app ``civility``).

Campaigns carry the lineage of their area, nominations the lineage of the
nominated unit or resident, so permission scopes stay one indexed equality.
The invariants that concurrent requests could break rest on UNIQUE
constraints: one nomination per target per campaign, one score per assessor
per criterion per nomination, one vote per resident per nomination.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models import Lineage
from plugins.civility.enums import CampaignKind, CampaignStatus, NominationStatus


class Campaign(Lineage, Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    kind = fields.CharEnumField(CampaignKind, max_length=32, db_index=True)
    area = fields.ForeignKeyField(
        "core.Area", related_name="civility_campaigns", on_delete=fields.RESTRICT, db_index=True
    )
    year = fields.IntField(db_index=True)
    status = fields.CharEnumField(CampaignStatus, max_length=16, default=CampaignStatus.DRAFT, db_index=True)
    # [{"stars": int, "minScore": float}, ...] ordered by stars; empty for kinds without stars.
    star_thresholds = fields.JSONField(default=list)
    public_notice_ends_on = fields.DateField(null=True)
    cancel_reason = fields.TextField(null=True)
    created_by = fields.ForeignKeyField(
        "core.User",
        related_name="civility_campaigns_created",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "civility_campaign"


class Criterion(Model):
    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField("civility.Campaign", related_name="criteria", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=100)
    description = fields.TextField(null=True)
    weight = fields.FloatField()
    max_score = fields.FloatField()
    position = fields.IntField(default=0)

    class Meta:
        table = "civility_criterion"
        unique_together = (("campaign", "name"),)


class Nomination(Lineage, Model):
    id = fields.IntField(primary_key=True)
    campaign = fields.ForeignKeyField(
        "civility.Campaign", related_name="nominations", on_delete=fields.CASCADE
    )
    unit = fields.ForeignKeyField(
        "core.Unit", related_name="civility_nominations", null=True, on_delete=fields.RESTRICT, db_index=True
    )
    resident = fields.ForeignKeyField(
        "core.Resident",
        related_name="civility_nominations",
        null=True,
        on_delete=fields.RESTRICT,
        db_index=True,
    )
    reason = fields.TextField()
    nominated_by = fields.ForeignKeyField(
        "core.User", related_name="civility_nominations", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    status = fields.CharEnumField(
        NominationStatus, max_length=16, default=NominationStatus.PENDING, db_index=True
    )
    review_note = fields.TextField(null=True)
    reviewed_by = fields.ForeignKeyField(
        "core.User", related_name="civility_reviews", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    rejected_by_objection = fields.BooleanField(default=False)
    # Frozen when the campaign is published.
    final_score = fields.FloatField(null=True)
    award_stars = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "civility_nomination"
        # NULLs never collide, so each pair only constrains its own kind of target.
        unique_together = (("campaign", "unit"), ("campaign", "resident"))


class Score(Model):
    id = fields.IntField(primary_key=True)
    nomination = fields.ForeignKeyField(
        "civility.Nomination", related_name="scores", on_delete=fields.CASCADE
    )
    criterion = fields.ForeignKeyField(
        "civility.Criterion", related_name="scores", on_delete=fields.CASCADE, db_index=True
    )
    assessor = fields.ForeignKeyField(
        "core.User", related_name="civility_scores", on_delete=fields.RESTRICT, db_index=True
    )
    score = fields.FloatField()
    comment = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "civility_score"
        unique_together = (("nomination", "criterion", "assessor"),)


class Vote(Model):
    id = fields.IntField(primary_key=True)
    nomination = fields.ForeignKeyField("civility.Nomination", related_name="votes", on_delete=fields.CASCADE)
    resident = fields.ForeignKeyField(
        "core.Resident", related_name="civility_votes", on_delete=fields.CASCADE, db_index=True
    )
    user = fields.ForeignKeyField(
        "core.User", related_name="civility_votes", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "civility_vote"
        unique_together = (("nomination", "resident"),)


class Objection(Model):
    id = fields.IntField(primary_key=True)
    nomination = fields.ForeignKeyField(
        "civility.Nomination", related_name="objections", on_delete=fields.CASCADE, db_index=True
    )
    reason = fields.TextField()
    filed_by = fields.ForeignKeyField(
        "core.User", related_name="civility_objections", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    filed_at = fields.DatetimeField(auto_now_add=True)
    # True = upheld, False = dismissed, None = undecided.
    upheld = fields.BooleanField(null=True)
    decided_by = fields.ForeignKeyField(
        "core.User",
        related_name="civility_objection_decisions",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "civility_objection"
