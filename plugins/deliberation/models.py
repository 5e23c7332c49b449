"""The plugin's tables (tortoise app ``deliberation``).

Every row bound to an area copies its area's lineage columns (``core.models.Lineage``):
"below area X" and every permission scope are one indexed equality. Decisions and
action items copy the lineage of their topic's area. Foreign keys into core carry a
``related_name`` prefixed with ``deliberation_``. Counters the statistics need
(a meeting's attendance, a topic's seconds to done) are stored when they become known,
so that the figures are plain aggregates.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models import Lineage
from plugins.deliberation.enums import (
    ActionItemStatus,
    CharterDocumentKind,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    ParticipantCategory,
    TopicStatus,
)


class CharterDocument(Lineage, Model):
    """One adopted version of an area's rules or covenant (the highest version is the current one)."""

    id = fields.IntField(primary_key=True)
    area = fields.ForeignKeyField(
        "core.Area", related_name="deliberation_charter_documents", on_delete=fields.CASCADE, db_index=True
    )
    kind = fields.CharEnumField(CharterDocumentKind, max_length=16)
    version = fields.IntField()
    text = fields.TextField()
    adopted_on = fields.DateField()
    adopted_at = fields.ForeignKeyField(
        "deliberation.DeliberationMeeting",
        db_index=True,
        related_name="adopted_documents",
        null=True,
        on_delete=fields.SET_NULL,
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "deliberation_charter_document"
        unique_together = (("area", "kind", "version"),)


class MeetingVenue(Lineage, Model):
    """An area's meeting place (议事场所): one per area, replaced in place."""

    id = fields.IntField(primary_key=True)
    area = fields.OneToOneField("core.Area", related_name="deliberation_venue", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=200)
    address = fields.CharField(max_length=300, null=True)
    capacity = fields.IntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "deliberation_meeting_venue"


class DeliberationMeeting(Lineage, Model):
    id = fields.IntField(primary_key=True)
    area = fields.ForeignKeyField(
        "core.Area", related_name="deliberation_meetings", on_delete=fields.RESTRICT, db_index=True
    )
    title = fields.CharField(max_length=200)
    kind = fields.CharEnumField(MeetingKind, max_length=32, db_index=True)
    format = fields.CharEnumField(MeetingFormat, max_length=16)
    # The venue as it was when the meeting was planned (the area's venue may change later).
    venue_name = fields.CharField(max_length=200, null=True)
    venue_address = fields.CharField(max_length=300, null=True)
    venue_capacity = fields.IntField(null=True)
    scheduled_at = fields.DatetimeField(db_index=True)
    status = fields.CharEnumField(MeetingStatus, max_length=16, default=MeetingStatus.PLANNED, db_index=True)
    chair = fields.ForeignKeyField(
        "core.User", related_name="deliberation_chaired_meetings", on_delete=fields.RESTRICT, db_index=True
    )
    minutes = fields.TextField(null=True)
    held_at = fields.DatetimeField(null=True)
    cancel_reason = fields.TextField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    # Participants who attended, set when the meeting is held (DeliberationStats.attendance sums it).
    attendance = fields.IntField(default=0)
    created_by = fields.ForeignKeyField(
        "core.User",
        db_index=True,
        related_name="deliberation_planned_meetings",
        null=True,
        on_delete=fields.SET_NULL,
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "deliberation_meeting"


class MeetingParticipant(Model):
    id = fields.IntField(primary_key=True)
    meeting = fields.ForeignKeyField(
        "deliberation.DeliberationMeeting",
        db_index=True,
        related_name="participants",
        on_delete=fields.CASCADE,
    )
    # The index in the meeting's participants list (HoldMeetingInput.attendedIndexes).
    position = fields.IntField()
    category = fields.CharEnumField(ParticipantCategory, max_length=32)
    user = fields.ForeignKeyField(
        "core.User",
        related_name="deliberation_participations",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    resident = fields.ForeignKeyField(
        "core.Resident",
        related_name="deliberation_participations",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    organization = fields.ForeignKeyField(
        "core.Organization",
        related_name="deliberation_participations",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    name = fields.CharField(max_length=100)
    attended = fields.BooleanField(default=False)
    walk_in = fields.BooleanField(default=False)

    class Meta:
        table = "deliberation_meeting_participant"
        unique_together = (("meeting", "position"),)


class DeliberationTopic(Lineage, Model):
    id = fields.IntField(primary_key=True)
    area = fields.ForeignKeyField(
        "core.Area", related_name="deliberation_topics", on_delete=fields.RESTRICT, db_index=True
    )
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    status = fields.CharEnumField(TopicStatus, max_length=16, default=TopicStatus.RAISED, db_index=True)
    raised_by = fields.ForeignKeyField(
        "core.Resident",
        related_name="deliberation_raised_topics",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    raised_by_user = fields.ForeignKeyField(
        "core.User",
        db_index=True,
        related_name="deliberation_raised_topics",
        null=True,
        on_delete=fields.SET_NULL,
    )
    raised_at = fields.DatetimeField(db_index=True)
    # Bumped and lowered with atomic UPDATEs beside the TopicSupport rows (exact under concurrency).
    support_count = fields.IntField(default=0)
    # The meeting whose agenda the topic was last put on.
    meeting = fields.ForeignKeyField(
        "deliberation.DeliberationMeeting",
        related_name="scheduled_topics",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    decline_reason = fields.TextField(null=True)
    declined_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    # raisedAt -> doneAt, stored when the topic is done: averageDaysToDone is an AVG over it.
    done_seconds = fields.BigIntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "deliberation_topic"


class TopicSupport(Model):
    """A resident's support of a topic: one each (the UNIQUE constraint is what makes it so)."""

    id = fields.IntField(primary_key=True)
    topic = fields.ForeignKeyField(
        "deliberation.DeliberationTopic", db_index=True, related_name="supports", on_delete=fields.CASCADE
    )
    resident = fields.ForeignKeyField(
        "core.Resident", related_name="deliberation_supports", on_delete=fields.CASCADE, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "deliberation_topic_support"
        unique_together = (("topic", "resident"),)


class AgendaItem(Model):
    id = fields.IntField(primary_key=True)
    meeting = fields.ForeignKeyField(
        "deliberation.DeliberationMeeting",
        db_index=True,
        related_name="agenda_items",
        on_delete=fields.CASCADE,
    )
    topic = fields.ForeignKeyField(
        "deliberation.DeliberationTopic", related_name="agenda_items", on_delete=fields.CASCADE, db_index=True
    )
    position = fields.IntField()

    class Meta:
        table = "deliberation_agenda_item"
        unique_together = (("meeting", "topic"),)


class DeliberationDecision(Lineage, Model):
    id = fields.IntField(primary_key=True)
    topic = fields.ForeignKeyField(
        "deliberation.DeliberationTopic", related_name="decisions", on_delete=fields.CASCADE, db_index=True
    )
    meeting = fields.ForeignKeyField(
        "deliberation.DeliberationMeeting", related_name="decisions", on_delete=fields.CASCADE, db_index=True
    )
    area = fields.ForeignKeyField(
        "core.Area", db_index=True, related_name="deliberation_decisions", on_delete=fields.RESTRICT
    )
    text = fields.TextField()
    votes_for = fields.IntField()
    votes_against = fields.IntField()
    abstentions = fields.IntField()
    adopted = fields.BooleanField()
    decided_at = fields.DatetimeField()

    class Meta:
        table = "deliberation_decision"
        # A meeting decides a topic once.
        unique_together = (("meeting", "topic"),)


class ActionItem(Lineage, Model):
    id = fields.IntField(primary_key=True)
    decision = fields.ForeignKeyField(
        "deliberation.DeliberationDecision",
        related_name="action_items",
        on_delete=fields.CASCADE,
        db_index=True,
    )
    topic = fields.ForeignKeyField(
        "deliberation.DeliberationTopic", related_name="action_items", on_delete=fields.CASCADE, db_index=True
    )
    area = fields.ForeignKeyField(
        "core.Area", db_index=True, related_name="deliberation_action_items", on_delete=fields.RESTRICT
    )
    position = fields.IntField(default=0)
    description = fields.TextField()
    owner_user = fields.ForeignKeyField(
        "core.User",
        related_name="deliberation_action_items",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    owner_organization = fields.ForeignKeyField(
        "core.Organization",
        related_name="deliberation_action_items",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    due_on = fields.DateField(db_index=True)
    status = fields.CharEnumField(
        ActionItemStatus, max_length=8, default=ActionItemStatus.OPEN, db_index=True
    )
    done_at = fields.DatetimeField(null=True)
    done_by = fields.ForeignKeyField(
        "core.User",
        db_index=True,
        related_name="deliberation_action_items_done",
        null=True,
        on_delete=fields.SET_NULL,
    )
    note = fields.TextField(null=True)
    # Claimed by the overdue job with a conditional UPDATE: the owner hears of it once.
    overdue_notified_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliberation_action_item"
