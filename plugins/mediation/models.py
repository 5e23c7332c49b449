"""The plugin's tables (tortoise app ``mediation``).

A case copies its area's lineage columns (``core.models.Lineage``), so "cases
below area X" and every permission scope are one indexed equality, as for
core's own rows. Foreign keys into core carry a ``related_name`` prefixed with
``mediation_``.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.enums import AreaLevel
from core.models import Lineage
from plugins.mediation.enums import (
    DisputeCategory,
    DisputePartyRole,
    DisputeStatus,
    MediationMethod,
    MediationTeamRole,
)


class DisputeCase(Lineage, Model):
    id = fields.IntField(primary_key=True)
    # MD-<year>-<6 digits>; (year, seq) is allocated from CaseCounter inside the reporting transaction.
    case_number = fields.CharField(max_length=32, unique=True)
    year = fields.IntField()
    seq = fields.IntField()
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    category = fields.CharEnumField(DisputeCategory, max_length=32, db_index=True)
    status = fields.CharEnumField(DisputeStatus, max_length=16, default=DisputeStatus.REPORTED, db_index=True)
    area = fields.ForeignKeyField(
        "core.Area", related_name="mediation_cases", on_delete=fields.RESTRICT, db_index=True
    )
    handling_level = fields.CharEnumField(AreaLevel, max_length=16, db_index=True)
    method = fields.CharEnumField(MediationMethod, max_length=16, null=True)
    case_owner = fields.ForeignKeyField(
        "core.User", related_name="mediation_owned_cases", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    reported_by = fields.ForeignKeyField(
        "core.User",
        related_name="mediation_reported_cases",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    reported_at = fields.DatetimeField(db_index=True)
    agreement_terms = fields.TextField(null=True)
    agreement_signed_on = fields.DateField(null=True)
    # RESOLVED or FAILED once mediation has ended (kept when the case is CLOSED); null while open.
    outcome = fields.CharEnumField(DisputeStatus, max_length=16, null=True, db_index=True)
    # The handling level at the moment of resolution, and reportedAt -> resolvedAt in seconds:
    # statistics aggregate these columns directly.
    resolved_level = fields.CharEnumField(AreaLevel, max_length=16, null=True)
    resolution_seconds = fields.BigIntField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "mediation_dispute_case"
        unique_together = (("year", "seq"),)


class CaseCounter(Model):
    """The last case number handed out in a year, bumped with an atomic UPDATE (no semicolons in model docstrings: tortoise splits its DDL on them)."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    last_seq = fields.IntField(default=0)

    class Meta:
        table = "mediation_case_counter"


class DisputeParty(Model):
    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "mediation.DisputeCase", related_name="parties", on_delete=fields.CASCADE, db_index=True
    )
    resident = fields.ForeignKeyField(
        "core.Resident", related_name="mediation_parties", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    # The resident's name when the party was recorded, or the outside party's name.
    name = fields.CharField(max_length=100)
    role = fields.CharEnumField(DisputePartyRole, max_length=16)

    class Meta:
        table = "mediation_dispute_party"


class MediationTeamMember(Model):
    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField("mediation.DisputeCase", related_name="team", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField(
        "core.User", related_name="mediation_team_memberships", on_delete=fields.CASCADE, db_index=True
    )
    role = fields.CharEnumField(MediationTeamRole, max_length=16)

    class Meta:
        table = "mediation_team_member"
        unique_together = (("case", "user"),)


class MediationSession(Model):
    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "mediation.DisputeCase", related_name="sessions", on_delete=fields.CASCADE, db_index=True
    )
    held_at = fields.DatetimeField()
    location = fields.CharField(max_length=200, null=True)
    notes = fields.TextField()
    recorded_by = fields.ForeignKeyField(
        "core.User", related_name="mediation_sessions_recorded", on_delete=fields.RESTRICT, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mediation_session"


class FollowUp(Model):
    """A follow-up visit (跟踪回访) scheduled when a case is resolved."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "mediation.DisputeCase", related_name="follow_ups", on_delete=fields.CASCADE, db_index=True
    )
    due_on = fields.DateField()
    done_at = fields.DatetimeField(null=True)
    done_by = fields.ForeignKeyField(
        "core.User",
        related_name="mediation_follow_ups_done",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    note = fields.TextField(null=True)
    agreement_kept = fields.BooleanField(null=True)

    class Meta:
        table = "mediation_follow_up"


class DisputeCaseEvent(Model):
    """One move of a case, with who made it and when (written by the state machine only)."""

    id = fields.IntField(primary_key=True)
    case = fields.ForeignKeyField(
        "mediation.DisputeCase", related_name="events", on_delete=fields.CASCADE, db_index=True
    )
    at = fields.DatetimeField(db_index=True)
    actor = fields.ForeignKeyField(
        "core.User", related_name="mediation_events", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    kind = fields.CharField(max_length=32)
    from_status = fields.CharEnumField(DisputeStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(DisputeStatus, max_length=16, null=True)
    from_level = fields.CharEnumField(AreaLevel, max_length=16, null=True)
    to_level = fields.CharEnumField(AreaLevel, max_length=16, null=True)
    note = fields.TextField(null=True)

    class Meta:
        table = "mediation_dispute_case_event"
