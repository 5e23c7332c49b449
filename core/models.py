"""Core tables (tortoise app ``core``).

Areas form a fixed five-level tree. Besides the parent link, every area, unit
and resident carries one *lineage column* per level (``district_ref`` ...
``building_ref``) holding the id of its ancestor at that level (its own id at
its own level). "Everything below area X" is then a single indexed equality,
``WHERE <X.level>_ref = X.id``, on every table, with no recursive walk; every
filter and permission scope is built from it (see ``core.scope``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.models import Model

from core.enums import (
    LEVELS,
    AreaLevel,
    Gender,
    HouseholdRelation,
    OrganizationKind,
    ResidencyType,
    ResidentStatus,
    UnitUsage,
    lineage_column,
)

LINEAGE_COLUMNS = tuple(lineage_column(level) for level in LEVELS)


class Lineage:
    """Mixin: the five ancestor-id columns, all indexed."""

    district_ref = fields.IntField(null=True, db_index=True)
    subdistrict_ref = fields.IntField(null=True, db_index=True)
    community_ref = fields.IntField(null=True, db_index=True)
    compound_ref = fields.IntField(null=True, db_index=True)
    building_ref = fields.IntField(null=True, db_index=True)

    def lineage(self) -> dict[str, int | None]:
        return {col: getattr(self, col) for col in LINEAGE_COLUMNS}

    def area_ids(self) -> list[int]:
        """Ids of the areas this row lies in, district first (what "at or below" events carry)."""
        return [v for v in self.lineage().values() if v]

    def set_lineage(self, values: dict[str, int | None]) -> None:
        for col in LINEAGE_COLUMNS:
            setattr(self, col, values.get(col))


class Area(Lineage, Model):
    id = fields.IntField(primary_key=True)
    level = fields.CharEnumField(AreaLevel, max_length=16, db_index=True)
    name = fields.CharField(max_length=200)
    code = fields.CharField(max_length=32, null=True)
    parent: fields.ForeignKeyNullableRelation[Area] = fields.ForeignKeyField(
        "core.Area", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    is_town = fields.BooleanField(default=False)
    address = fields.CharField(max_length=300, null=True)
    built_year = fields.IntField(null=True)
    floors = fields.IntField(null=True)
    property_manager = fields.ForeignKeyField(
        "core.Organization",
        related_name="managed_compounds",
        null=True,
        on_delete=fields.SET_NULL,
        db_index=True,
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "core_area"
        unique_together = (("parent", "name"),)
        # (parent, name) leaves districts free to collide (NULLs never do): their names get their own
        # partial index (migration 0003, see docs/invariants.md).
        constraints = (
            UniqueConstraint(
                fields=("name",), name="core_area_unique_district_name", condition="parent_id IS NULL"
            ),
        )

    def lineage_for_child(self) -> dict[str, int | None]:
        return self.lineage()


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    kind = fields.CharEnumField(OrganizationKind, max_length=32, db_index=True)
    contact_name = fields.CharField(max_length=100, null=True)
    contact_phone = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "core_organization"


class PartnerLink(Model):
    """党建联建: an organisation linked up with a community."""

    id = fields.IntField(primary_key=True)
    organization = fields.ForeignKeyField("core.Organization", related_name="partner_links")
    community = fields.ForeignKeyField("core.Area", related_name="partner_links", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "core_partner_link"
        unique_together = (("organization", "community"),)


class Unit(Lineage, Model):
    id = fields.IntField(primary_key=True)
    building = fields.ForeignKeyField("core.Area", related_name="units", on_delete=fields.RESTRICT)
    label = fields.CharField(max_length=50)
    floor = fields.IntField(null=True)
    area_sqm = fields.FloatField(null=True)
    usage = fields.CharEnumField(UnitUsage, max_length=20, default=UnitUsage.OWNER_OCCUPIED)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "core_unit"
        unique_together = (("building", "label"),)


class Resident(Lineage, Model):
    """A resident. ID and phone numbers are stored only as ciphertext, a keyed
    hash (for exact lookup and uniqueness) and a masked form (see core.pii)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, db_index=True)
    gender = fields.CharEnumField(Gender, max_length=8, null=True)
    birth_date = fields.DateField(null=True, db_index=True)
    id_number_cipher = fields.TextField(null=True)
    id_number_hash = fields.CharField(max_length=64, null=True, unique=True)
    id_number_masked = fields.CharField(max_length=32, null=True)
    phone_cipher = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    phone_masked = fields.CharField(max_length=32, null=True)
    # The masked form shows the last four digits anyway; kept to serve search.
    phone_last4 = fields.CharField(max_length=4, null=True, db_index=True)
    status = fields.CharEnumField(ResidentStatus, max_length=16, default=ResidentStatus.ACTIVE, db_index=True)
    residency_type = fields.CharEnumField(ResidencyType, max_length=16, default=ResidencyType.REGISTERED)
    is_party_member = fields.BooleanField(default=False)
    # "|tag1|tag2|": a LIKE '%|tag|%' per wanted tag matches on SQLite and PostgreSQL alike.
    tags_text = fields.TextField(default="")
    unit = fields.ForeignKeyField(
        "core.Unit", related_name="residents", null=True, on_delete=fields.RESTRICT, db_index=True
    )
    relation_to_head = fields.CharEnumField(HouseholdRelation, max_length=16, null=True)
    community = fields.ForeignKeyField(
        "core.Area", related_name="residents", on_delete=fields.RESTRICT, db_index=True
    )
    moved_in_on = fields.DateField(null=True)
    moved_out_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "core_resident"
        # One active household head per unit, whoever writes (migration 0002, see docs/invariants.md).
        constraints = (
            UniqueConstraint(
                fields=("unit_id",),
                name="core_resident_one_head_per_unit",
                condition="relation_to_head = 'HEAD' AND status = 'ACTIVE'",
            ),
        )

    @property
    def tags(self) -> list[str]:
        return [t for t in self.tags_text.split("|") if t]

    @tags.setter
    def tags(self, values: list[str]) -> None:
        clean = sorted({t.strip() for t in values if t and t.strip()})
        self.tags_text = "|" + "|".join(clean) + "|" if clean else ""


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=100)
    resident = fields.OneToOneField(
        "core.Resident", related_name="user", null=True, on_delete=fields.SET_NULL
    )
    # The area whose user managers administer this account.
    home_area = fields.ForeignKeyField(
        "core.Area", related_name="home_users", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    is_active = fields.BooleanField(default=True)
    is_superuser = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "core_user"


class RoleGrant(Model):
    """A role held over one area and everything below it."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("core.User", related_name="grants", on_delete=fields.CASCADE)
    role = fields.CharField(max_length=64)
    area = fields.ForeignKeyField("core.Area", related_name="grants", on_delete=fields.CASCADE, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "core_role_grant"
        unique_together = (("user", "role", "area"),)


class Notification(Model):
    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "core.User", related_name="notifications", on_delete=fields.CASCADE, db_index=True
    )
    kind = fields.CharField(max_length=64)
    title = fields.CharField(max_length=200)
    body = fields.TextField(null=True)
    # Global id of the entity the notification is about.
    subject_gid = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_notification"


class AuditLog(Model):
    """Who did or saw what: full personal-data reads and every mutation."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_id = fields.IntField(null=True, db_index=True)
    action = fields.CharField(max_length=64)
    subject_gid = fields.CharField(max_length=128, null=True, db_index=True)
    field = fields.CharField(max_length=64, null=True)
    request_id = fields.CharField(max_length=64, null=True)
    detail = fields.TextField(null=True)

    class Meta:
        table = "core_audit_log"


class IdempotencyKey(Model):
    """Remembers the result of a mutation sent with a clientMutationId."""

    id = fields.IntField(primary_key=True)
    operation = fields.CharField(max_length=64)
    actor_id = fields.IntField(default=0)
    key = fields.CharField(max_length=128)
    result_gid = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "core_idempotency_key"
        unique_together = (("operation", "actor_id", "key"),)


class LoginAttempt(Model):
    """Sign-in attempts counted against one account name or client address in the current window.

    Used when no Redis is configured (core.login_limits). ``subject`` is a
    hash, so attempted names (sometimes a password typed in the wrong box) are
    not stored. An attempt is counted before its password is checked and
    given back when it succeeds: ``failures`` is failed plus in-flight attempts.
    """

    subject = fields.CharField(max_length=80, primary_key=True)
    failures = fields.IntField(default=0)
    # Epoch milliseconds: compared as numbers by the same SQL on SQLite and PostgreSQL.
    expires_at_ms = fields.BigIntField(db_index=True)

    class Meta:
        table = "core_login_attempt"


class ScheduledJobState(Model):
    """When a scheduled job (core.scheduled) last ran, across every instance of the server.

    A run locks its row, so two instances never run the same job at once, and skips when
    the job ran less than its period ago."""

    name = fields.CharField(max_length=100, primary_key=True)
    last_run_at = fields.DatetimeField(null=True)
    runs = fields.IntField(default=0)
    last_acted_on = fields.IntField(null=True)

    class Meta:
        table = "core_scheduled_job"


class ImportJob(Model):
    """A ledger import (core.ledgers) run as server-side work: its state, counts and report.

    Written when the upload arrives, updated as it runs (another connection than the
    import's own transaction), so a status query or a second instance sees it."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=32, default="residents")
    status = fields.CharField(max_length=16, default="QUEUED", db_index=True)
    dry_run = fields.BooleanField(default=False)
    filename = fields.CharField(max_length=255)
    file_sha256 = fields.CharField(max_length=64)
    uploaded_by = fields.ForeignKeyField(
        "core.User", related_name="import_jobs", null=True, on_delete=fields.SET_NULL, db_index=True
    )
    rows_read = fields.IntField(default=0)
    created = fields.IntField(default=0)
    updated = fields.IntField(default=0)
    unchanged = fields.IntField(default=0)
    rejected = fields.IntField(default=0)
    # The first problems as JSON [{row, column, code, message}]; the report holds them all.
    first_errors = fields.TextField(default="[]")
    message = fields.TextField(null=True)
    report = fields.BinaryField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "core_import_job"
