"""The plugin's tables (tortoise app ``demands``).

Demands and whistles copy their area's lineage columns (``core.models.Lineage``),
so "at or below area X" and every permission scope are one indexed equality.
Foreign keys into core carry a ``related_name`` prefixed with ``demands_``.
Figures the statistics aggregate (seconds to delivery, delivered on time, the
rating) are stored on the demand when they happen, so that they are plain
columns to SUM and COUNT.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models import Lineage
from plugins.demands.enums import (
    DemandAssignmentStatus,
    DemandChannel,
    DemandScope,
    DemandStatus,
    WhistleCallStatus,
    WhistleStatus,
)


class DemandCategory(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    sla_days = fields.IntField()
    # OrganizationKind values, in the order given.
    suggested_kinds = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "demands_category"


class LedgerCounter(Model):
    """The last ledger number handed out in a year, bumped with an atomic UPDATE."""

    id = fields.IntField(primary_key=True)
    year = fields.IntField(unique=True)
    last_seq = fields.IntField(default=0)

    class Meta:
        table = "demands_ledger_counter"


class Demand(Lineage, Model):
    id = fields.IntField(primary_key=True)
    # XQ-<year>-<6 digits>; (year, seq) comes from LedgerCounter inside the submitting transaction.
    ledger_number = fields.CharField(max_length=32, unique=True)
    year = fields.IntField()
    seq = fields.IntField()
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    category = fields.ForeignKeyField(
        "demands.DemandCategory", db_index=True, related_name="demands", on_delete=fields.RESTRICT
    )
    scope = fields.CharEnumField(DemandScope, max_length=16)
    channel = fields.CharEnumField(DemandChannel, max_length=16)
    status = fields.CharEnumField(DemandStatus, max_length=16, default=DemandStatus.SUBMITTED, db_index=True)
    area = fields.ForeignKeyField(
        "core.Area", db_index=True, related_name="demands_demands", on_delete=fields.RESTRICT
    )
    unit = fields.ForeignKeyField(
        "core.Unit", db_index=True, related_name="demands_demands", null=True, on_delete=fields.SET_NULL
    )
    submitter = fields.ForeignKeyField(
        "core.Resident", related_name="demands_demands", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    entered_by = fields.ForeignKeyField(
        "core.User", db_index=True, related_name="demands_entered", on_delete=fields.RESTRICT
    )
    submitted_at = fields.DatetimeField(db_index=True)
    dispatched_at = fields.DatetimeField(null=True)
    dispatched_by = fields.ForeignKeyField(
        "core.User", db_index=True, related_name="demands_dispatched", null=True, on_delete=fields.SET_NULL
    )
    due_at = fields.DatetimeField(null=True, db_index=True)
    delivered_at = fields.DatetimeField(null=True)
    delivered_on_time = fields.BooleanField(null=True)
    delivery_seconds = fields.BigIntField(null=True)
    closed_at = fields.DatetimeField(null=True)
    delivery_report = fields.TextField(null=True)
    rejection_reason = fields.TextField(null=True)
    rating_score = fields.SmallIntField(null=True)
    rating_comment = fields.TextField(null=True)
    rated_at = fields.DatetimeField(null=True)
    rated_by = fields.ForeignKeyField(
        "core.User", db_index=True, related_name="demands_rated", null=True, on_delete=fields.SET_NULL
    )
    # The clientMutationId it was submitted with: a repeat by the same account returns this demand.
    client_key = fields.CharField(max_length=128, null=True)
    # Claimed by the demands.overdue job (notified once).
    overdue_notified_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "demands_demand"
        unique_together = (("year", "seq"), ("entered_by", "client_key"))


class DemandAssignment(Model):
    id = fields.IntField(primary_key=True)
    demand = fields.ForeignKeyField(
        "demands.Demand", db_index=True, related_name="assignments", on_delete=fields.CASCADE
    )
    organization = fields.ForeignKeyField(
        "core.Organization", related_name="demands_assignments", on_delete=fields.RESTRICT, db_index=True
    )
    status = fields.CharEnumField(
        DemandAssignmentStatus, max_length=16, default=DemandAssignmentStatus.OFFERED
    )
    offered_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)
    answered_by = fields.ForeignKeyField(
        "core.User", db_index=True, related_name="demands_answers", null=True, on_delete=fields.SET_NULL
    )
    decline_reason = fields.TextField(null=True)
    contribution = fields.TextField(null=True)

    class Meta:
        table = "demands_assignment"


class DemandEvent(Model):
    """One move of a demand, with who made it and when (written by the state machine only)."""

    id = fields.IntField(primary_key=True)
    demand = fields.ForeignKeyField(
        "demands.Demand", db_index=True, related_name="events", on_delete=fields.CASCADE
    )
    at = fields.DatetimeField()
    actor = fields.ForeignKeyField(
        "core.User", db_index=True, related_name="demands_events", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharField(max_length=32)
    from_status = fields.CharEnumField(DemandStatus, max_length=16, null=True)
    to_status = fields.CharEnumField(DemandStatus, max_length=16, null=True)
    note = fields.TextField(null=True)

    class Meta:
        table = "demands_event"


class OrganizationLiaison(Model):
    """A user who answers offers and whistle calls for an organisation."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField(
        "core.Organization", db_index=True, related_name="demands_liaisons", on_delete=fields.CASCADE
    )
    user = fields.ForeignKeyField(
        "core.User", related_name="demands_liaisons", on_delete=fields.CASCADE, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "demands_liaison"
        unique_together = (("organization", "user"),)


class Whistle(Lineage, Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    subdistrict = fields.ForeignKeyField(
        "core.Area", db_index=True, related_name="demands_whistles_blown", on_delete=fields.RESTRICT
    )
    area = fields.ForeignKeyField(
        "core.Area", db_index=True, related_name="demands_whistles", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(WhistleStatus, max_length=16, default=WhistleStatus.OPEN, db_index=True)
    blown_at = fields.DatetimeField(db_index=True)
    blown_by = fields.ForeignKeyField(
        "core.User", db_index=True, related_name="demands_whistles", on_delete=fields.RESTRICT
    )
    demand = fields.ForeignKeyField(
        "demands.Demand", db_index=True, related_name="whistles", null=True, on_delete=fields.SET_NULL
    )
    resolved_at = fields.DatetimeField(null=True)
    resolution = fields.TextField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(null=True)

    class Meta:
        table = "demands_whistle"


class WhistleCall(Model):
    id = fields.IntField(primary_key=True)
    whistle = fields.ForeignKeyField(
        "demands.Whistle", db_index=True, related_name="calls", on_delete=fields.CASCADE
    )
    organization = fields.ForeignKeyField(
        "core.Organization", related_name="demands_whistle_calls", on_delete=fields.RESTRICT, db_index=True
    )
    status = fields.CharEnumField(WhistleCallStatus, max_length=16, default=WhistleCallStatus.SUMMONED)
    report_by = fields.DatetimeField()
    reported_at = fields.DatetimeField(null=True)
    reported_by = fields.ForeignKeyField(
        "core.User",
        db_index=True,
        related_name="demands_whistle_reports",
        null=True,
        on_delete=fields.SET_NULL,
    )
    # reportedAt <= reportBy, stored when the department reports (statistics count it).
    reported_on_time = fields.BooleanField(null=True)
    commitment = fields.TextField(null=True)
    outcome = fields.TextField(null=True)
    done_at = fields.DatetimeField(null=True)
    # Claimed by the demands.whistle.late job (notified once).
    late_notified_at = fields.DatetimeField(null=True)

    class Meta:
        table = "demands_whistle_call"
        unique_together = (("whistle", "organization"),)
