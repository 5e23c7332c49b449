"""Tables of the volunteers plugin (tortoise app ``volunteers``).

Every area-bound row carries core's lineage columns, copied from where it
belongs (a volunteer: the resident's home; a team or activity: its area; a
signup or membership: its activity or team), so scopes are one equality.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models import Lineage
from plugins.volunteers.enums import ActivityCategory, ActivityStatus, SignupStatus, VolunteerStatus


class Volunteer(Lineage, Model):
    id = fields.IntField(primary_key=True)
    # One profile per resident: the constraint catches racing registrations.
    resident = fields.OneToOneField(
        "core.Resident", related_name="volunteers_profile", on_delete=fields.RESTRICT
    )
    # "|skill1|skill2|" so one LIKE '%|skill|%' filters on SQLite and PostgreSQL alike.
    skills_text = fields.TextField(default="")
    status = fields.CharEnumField(
        VolunteerStatus, max_length=16, default=VolunteerStatus.ACTIVE, db_index=True
    )
    joined_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "volunteers_volunteer"

    @property
    def skills(self) -> list[str]:
        return [s for s in self.skills_text.split("|") if s]

    @skills.setter
    def skills(self, values: list[str]) -> None:
        clean = sorted({s.strip() for s in values if s and s.strip() and "|" not in s})
        self.skills_text = "|" + "|".join(clean) + "|" if clean else ""


class VolunteerTeam(Lineage, Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    area = fields.ForeignKeyField("core.Area", related_name="volunteers_teams", on_delete=fields.RESTRICT)
    leader = fields.ForeignKeyField(
        "volunteers.Volunteer", related_name="led_teams", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "volunteers_team"
        unique_together = (("area", "name"),)


class TeamMembership(Lineage, Model):
    id = fields.IntField(primary_key=True)
    team = fields.ForeignKeyField(
        "volunteers.VolunteerTeam", related_name="memberships", on_delete=fields.CASCADE
    )
    volunteer = fields.ForeignKeyField(
        "volunteers.Volunteer", related_name="memberships", on_delete=fields.CASCADE, db_index=True
    )
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "volunteers_team_membership"
        unique_together = (("team", "volunteer"),)


class VolunteerActivity(Lineage, Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(null=True)
    category = fields.CharEnumField(ActivityCategory, max_length=32, db_index=True)
    area = fields.ForeignKeyField(
        "core.Area", related_name="volunteers_activities", on_delete=fields.RESTRICT, db_index=True
    )
    team = fields.ForeignKeyField(
        "volunteers.VolunteerTeam",
        related_name="activities",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    location = fields.CharField(max_length=300, null=True)
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    capacity = fields.IntField(null=True)
    # Non-cancelled signups; changed only by atomic UPDATEs guarded by capacity.
    signup_count = fields.IntField(default=0)
    status = fields.CharEnumField(
        ActivityStatus, max_length=16, default=ActivityStatus.PLANNED, db_index=True
    )
    cancel_reason = fields.TextField(null=True)
    # People the activity reached (a lecture's attendees, a festival's visitors), not its volunteers;
    # recorded by the organiser once it has taken place.
    audience_count = fields.IntField(null=True)
    created_by = fields.ForeignKeyField(
        "core.User", related_name="volunteers_activities", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "volunteers_activity"


# One row per activity and volunteer ever: signing up again after a
# cancellation reactivates the cancelled row, so the unique pair holds.
class ActivitySignup(Lineage, Model):
    id = fields.IntField(primary_key=True)
    activity = fields.ForeignKeyField(
        "volunteers.VolunteerActivity", related_name="signups", on_delete=fields.CASCADE
    )
    volunteer = fields.ForeignKeyField(
        "volunteers.Volunteer", related_name="signups", on_delete=fields.CASCADE, db_index=True
    )
    status = fields.CharEnumField(SignupStatus, max_length=16, default=SignupStatus.SIGNED_UP, db_index=True)
    signed_up_at = fields.DatetimeField()
    checked_in_at = fields.DatetimeField(null=True)
    checked_out_at = fields.DatetimeField(null=True)
    hours = fields.FloatField(null=True)
    verified = fields.BooleanField(default=False, db_index=True)
    verified_by = fields.ForeignKeyField(
        "core.User",
        related_name="volunteers_verified_signups",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    verified_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "volunteers_signup"
        unique_together = (("activity", "volunteer"),)


# Hours served outside a planned activity, with the volunteer's lineage.
class ServiceLog(Lineage, Model):
    id = fields.IntField(primary_key=True)
    volunteer = fields.ForeignKeyField(
        "volunteers.Volunteer", related_name="service_logs", on_delete=fields.CASCADE, db_index=True
    )
    served_on = fields.DateField(db_index=True)
    hours = fields.FloatField()
    description = fields.TextField()
    verified = fields.BooleanField(default=False, db_index=True)
    verified_by = fields.ForeignKeyField(
        "core.User",
        related_name="volunteers_verified_logs",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    verified_at = fields.DatetimeField(null=True)
    logged_by = fields.ForeignKeyField(
        "core.User",
        related_name="volunteers_logged_services",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "volunteers_service_log"


class VolunteerCertificate(Lineage, Model):
    """A service record certificate (志愿服务记录证明) as issued: its facts are kept as they
    were on the day (later changes to hours or names do not rewrite an issued certificate),
    and anyone holding its verification code can check them."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    volunteer = fields.ForeignKeyField(
        "volunteers.Volunteer", related_name="certificates", on_delete=fields.RESTRICT, db_index=True
    )
    period_from = fields.DateField()
    period_to = fields.DateField()
    hours = fields.FloatField()
    # {"name", "idNumberMasked", "keeper", "issuer", "activities": [{"date", "title", "hours"}]}
    facts = fields.TextField()
    issued_by = fields.ForeignKeyField(
        "core.User",
        related_name="volunteers_certificates",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    issued_on = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "volunteers_certificate"
