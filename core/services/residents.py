"""Registering, updating and moving residents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import clock
from core import models as m
from core.audit import AuditEntry, record
from core.enums import AreaLevel, Gender, HouseholdRelation, ResidencyType, ResidentStatus
from core.errors import Code, Field, UserFailure
from core.idempotency import claim_key
from core.ids import gid_of
from core.integrity import violates
from core.pii import PII_READ, blind_index, decrypt, encrypt, mask_id_number, mask_phone, sees_birth_date
from core.services.guards import find_pk, require
from core.settings import get_settings
from core.validation import (
    birth_date_from_id,
    gender_from_id,
)
from core.viewer_cache import viewer_changed

# ---------------------------------------------------------------- what the services are given
#
# Parsed once at the API edge (core.api.inputs): ids decoded (None: not given, 0: given
# but naming nothing, answered NOT_FOUND), text checked and trimmed, the ID number checked and
# normalised (GB 11643), the phone normalised. "" for idNumber or phone clears it.


@dataclass(frozen=True)
class Registration:
    name: str
    unit_id: int | None = None
    community_id: int | None = None
    id_number: str | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    relation_to_head: HouseholdRelation | None = None
    residency_type: ResidencyType | None = None
    is_party_member: bool = False
    tags: tuple[str, ...] = ()
    moved_in_on: dt.date | None = None
    client_key: str | None = None


@dataclass(frozen=True)
class ResidentChanges:
    """Changes to a resident; None leaves a value as it is."""

    resident_id: int
    name: str | None = None
    id_number: str | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    relation_to_head: HouseholdRelation | None = None
    residency_type: ResidencyType | None = None
    is_party_member: bool | None = None
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Move:
    resident_id: int
    unit_id: int
    relation_to_head: HouseholdRelation | None = None
    moved_on: dt.date | None = None


@dataclass(frozen=True)
class MoveOut:
    resident_id: int
    moved_out_on: dt.date | None = None
    status: ResidentStatus | None = None


def _set_id_number(resident: m.Resident, value: str | None) -> None:
    """``value``: a checked, normalised ID number; None or "" clears it."""
    if not value:
        resident.id_number_cipher = resident.id_number_hash = resident.id_number_masked = None
        return
    resident.id_number_cipher = encrypt(value, "id_number")
    resident.id_number_hash = blind_index(value, "id_number")
    resident.id_number_masked = mask_id_number(value)


def _set_phone(resident: m.Resident, value: str | None) -> None:
    """``value``: a checked, normalised mobile number; None or "" clears it."""
    if not value:
        resident.phone_cipher = resident.phone_hash = resident.phone_masked = resident.phone_last4 = None
        return
    resident.phone_cipher = encrypt(value, "phone")
    resident.phone_hash = blind_index(value, "phone")
    resident.phone_masked = mask_phone(value)
    resident.phone_last4 = value[-4:]


def _reconcile_with_id(
    resident: m.Resident,
    id_number: str | None,
    birth: dt.date | None,
    gender: Gender | None,
) -> None:
    """Birth date and gender follow from the (normalised) ID number; refuse contradictions."""
    if id_number:
        value = id_number
        id_birth, id_gender = birth_date_from_id(value), Gender(gender_from_id(value))
        if birth is not None and birth != id_birth:
            raise UserFailure("birthDate does not match the ID card number.", Code.INVALID_INPUT, "birthDate")
        if gender is not None and gender != id_gender:
            raise UserFailure("gender does not match the ID card number.", Code.INVALID_INPUT, "gender")
        resident.birth_date, resident.gender = id_birth, id_gender
    else:
        if birth is not None:
            if birth > clock.today():
                raise UserFailure("birthDate is in the future.", Code.INVALID_INPUT, "birthDate")
            resident.birth_date = birth
        if gender is not None:
            resident.gender = gender


# ---------------------------------------------------------------- entering ID numbers
#
# An ID number already registered is DUPLICATE only for a caller who may read that
# resident's number in full anyway (resident.pii.read over them). Anyone else gets the
# neutral ID_NUMBER_UNAVAILABLE, which says neither whether nor where the number exists;
# each such refusal is audited (written even though the mutation rolls back) and after
# LASTMILE_ID_REFUSALS_PER_DAY of them in 24 hours every ID number the caller enters is
# refused with RATE_LIMITED, so the refusals cannot serve as an oracle for guessing
# numbers (docs/security.md).

ID_REFUSED = "resident.idNumberRefused"
ID_FIELD = "idNumber"


async def _guard_id_entry(context, where, field: Field) -> None:
    """Entering an ID number or birth date is handling it in full: resident.pii.read over
    ``where``; and no more ID numbers from a caller who has used up their refusals."""
    viewer = context.viewer
    require(viewer, PII_READ, where, field)
    limit = get_settings().id_number_refusals_per_day
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    if await m.AuditLog.filter(actor_id=viewer.user_id, action=ID_REFUSED, at__gte=since).count() >= limit:
        raise UserFailure(
            "Too many ID card numbers were refused for this account today; try again "
            "tomorrow or ask the district office.",
            Code.RATE_LIMITED,
            ID_FIELD,
        )


def _refuse_twin(context, twin: m.Resident) -> UserFailure:
    viewer = context.viewer
    if viewer.can("resident.read", twin) and viewer.can(PII_READ, twin):
        return UserFailure(
            "A resident with this ID card number is already registered.", Code.DUPLICATE, ID_FIELD
        )
    # Collected with the operation's reads, so the row is written after the rollback.
    context.audit_reads.append(AuditEntry(ID_REFUSED, gid_of(twin), "id_number"))
    return UserFailure(
        "This ID card number cannot be accepted here; the district office can look into it.",
        Code.ID_NUMBER_UNAVAILABLE,
        ID_FIELD,
    )


async def _twin(resident: m.Resident) -> m.Resident | None:
    if resident.id_number_hash is None:
        return None
    qs = m.Resident.filter(id_number_hash=resident.id_number_hash)
    if resident.id:
        qs = qs.exclude(id=resident.id)
    return await qs.first()


HEAD_TAKEN = "This unit already has an active household head."
HEAD_INDEX = "core_resident_one_head_per_unit"  # migration 0002


async def _check_unique_id(context, resident: m.Resident) -> None:
    twin = await _twin(resident)
    if twin is not None:
        raise _refuse_twin(context, twin)


async def _save_unique(context, resident: m.Resident) -> None:
    """Save; what a concurrent writer got in first is refused as the checks before would have:
    a twin's ID number (unique index) as _check_unique_id refuses it, a second active head of
    the unit (partial unique index core_resident_one_head_per_unit) DUPLICATE on relationToHead."""
    try:
        async with in_transaction():  # a savepoint: PostgreSQL can go on after the violation
            await resident.save()
    except IntegrityError as exc:
        if violates(exc, ("id_number_hash",)):
            twin = await _twin(resident)
            if twin is None:  # the twin's transaction is not visible yet: say nothing about it
                raise UserFailure(
                    "This ID card number cannot be accepted here; the district office can look into it.",
                    Code.ID_NUMBER_UNAVAILABLE,
                    ID_FIELD,
                ) from None
            raise _refuse_twin(context, twin) from None
        if violates(exc, ("unit_id",), HEAD_INDEX):
            raise UserFailure(HEAD_TAKEN, Code.DUPLICATE, "relationToHead") from None
        raise


async def _check_single_head(unit_id: int | None, relation, exclude_id: int | None, field: Field) -> None:
    """DUPLICATE unless the unit is free of another active head. On PostgreSQL the unit row is
    locked first (FOR NO KEY UPDATE: plain registrations into the unit are not held up), so that
    writers of heads into one unit queue and each sees the head the one before committed; the
    partial unique index behind it (migration 0002) holds on SQLite and against any other writer."""
    if unit_id is None or relation != HouseholdRelation.HEAD:
        return
    await m.Unit.filter(id=unit_id).select_for_update(no_key=True).first()
    qs = m.Resident.filter(
        unit_id=unit_id, relation_to_head=HouseholdRelation.HEAD, status=ResidentStatus.ACTIVE
    )
    if exclude_id:
        qs = qs.exclude(id=exclude_id)
    if await qs.exists():
        raise UserFailure(HEAD_TAKEN, Code.DUPLICATE, field)


async def _placement(viewer, unit_id: int | None, community_id: int | None) -> tuple[m.Unit | None, m.Area]:
    if unit_id is None and community_id is None:
        raise UserFailure(
            "Give unitId, or communityId for a resident not yet placed in a unit.",
            Code.INVALID_INPUT,
            "unitId",
        )
    unit = None
    if unit_id is not None:
        unit = await find_pk(viewer, m.Unit, unit_id, "unitId", "Unit")
    community = None
    if community_id is not None:
        community = await find_pk(viewer, m.Area, community_id, "communityId", "Community")
        if community.level != AreaLevel.COMMUNITY:
            raise UserFailure("communityId must name a community.", Code.INVALID_LEVEL, "communityId")
    if unit is not None:
        if community is not None and unit.community_ref != community.id:
            raise UserFailure("The unit is not in that community.", Code.INVALID_INPUT, "communityId")
        community = await m.Area.get(id=unit.community_ref)
    return unit, community


def _place(resident: m.Resident, unit: m.Unit | None, community: m.Area) -> None:
    resident.unit_id = unit.id if unit else None
    resident.community_id = community.id
    resident.set_lineage(unit.lineage() if unit else community.lineage())


OPERATION_REGISTER = "registerResident"


def _check_move_date(viewer, resident: m.Resident, day: dt.date, field: Field) -> None:
    """A recorded move happened: not in the future, not before the resident was born (by
    the birth year for a caller who may not see the birth date: the refusal would tell it)."""
    if day > clock.today():
        raise UserFailure(f"{field} is in the future.", Code.INVALID_INPUT, field)
    born = resident.birth_date
    if born is not None and not sees_birth_date(viewer, resident):
        born = dt.date(born.year, 1, 1)
    if born is not None and day < born:
        raise UserFailure(f"{field} is before the resident's birth date.", Code.INVALID_INPUT, field)


async def register_resident(context, entry: Registration) -> m.Resident:
    viewer = context.viewer
    earlier, claim = await claim_key(viewer, OPERATION_REGISTER, entry.client_key, m.Resident, "Resident")
    if earlier is not None:
        return earlier
    unit, community = await _placement(viewer, entry.unit_id, entry.community_id)
    require(viewer, "resident.write", unit or community, "unitId" if unit else "communityId")
    if entry.id_number or entry.birth_date is not None:
        await _guard_id_entry(context, unit or community, ID_FIELD if entry.id_number else "birthDate")
    resident = m.Resident(name=entry.name)
    _set_id_number(resident, entry.id_number)
    _set_phone(resident, entry.phone)
    _reconcile_with_id(resident, entry.id_number, entry.birth_date, entry.gender)
    await _check_unique_id(context, resident)
    await _check_single_head(unit.id if unit else None, entry.relation_to_head, None, "relationToHead")
    _place(resident, unit, community)
    resident.relation_to_head = entry.relation_to_head
    resident.residency_type = entry.residency_type or resident.residency_type
    resident.is_party_member = entry.is_party_member
    resident.tags = list(entry.tags)
    resident.moved_in_on = entry.moved_in_on or clock.today()
    _check_move_date(viewer, resident, resident.moved_in_on, "movedInOn")
    await _save_unique(context, resident)
    await claim.settle(resident)
    await record(context, OPERATION_REGISTER, gid_of(resident))
    return resident


async def update_resident(context, change: ResidentChanges) -> m.Resident:
    viewer = context.viewer
    resident = await find_pk(viewer, m.Resident, change.resident_id, "id", "Resident", for_update=True)
    require(viewer, "resident.write", resident, "id")
    if change.name is not None:
        resident.name = change.name
    if change.id_number or change.birth_date is not None:
        await _guard_id_entry(context, resident, ID_FIELD if change.id_number else "birthDate")
    if change.id_number is not None:
        _set_id_number(resident, change.id_number)
        await _check_unique_id(context, resident)
    if change.phone is not None:
        _set_phone(resident, change.phone)
    if change.id_number is not None or change.birth_date is not None or change.gender is not None:
        id_number = change.id_number
        if id_number is None and resident.id_number_cipher:
            id_number = decrypt(resident.id_number_cipher, "id_number")
        _reconcile_with_id(resident, id_number, change.birth_date, change.gender)
    if change.relation_to_head is not None:
        await _check_single_head(resident.unit_id, change.relation_to_head, resident.id, "relationToHead")
        resident.relation_to_head = change.relation_to_head
    if change.residency_type is not None:
        resident.residency_type = change.residency_type
    if change.is_party_member is not None:
        resident.is_party_member = change.is_party_member
    if change.tags is not None:
        resident.tags = list(change.tags)
    await _save_unique(context, resident)
    await record(context, "updateResident", gid_of(resident))
    return resident


def _require_active(resident: m.Resident) -> None:
    if resident.status != ResidentStatus.ACTIVE:
        raise UserFailure(
            f"The resident is {resident.status.value}, not ACTIVE.", Code.INVALID_TRANSITION, "residentId"
        )


async def move_resident(context, data: Move) -> m.Resident:
    viewer = context.viewer
    resident = await find_pk(viewer, m.Resident, data.resident_id, "residentId", "Resident", for_update=True)
    require(viewer, "resident.write", resident, "residentId")
    if resident.status == ResidentStatus.DECEASED:
        raise UserFailure("The resident is DECEASED.", Code.INVALID_TRANSITION, "residentId")
    # A resident who moved out may move back in: the move makes them ACTIVE again.
    returning = resident.status == ResidentStatus.MOVED_OUT
    unit = await find_pk(viewer, m.Unit, data.unit_id, "unitId", "Unit")
    require(viewer, "resident.write", unit, "unitId")
    if unit.id == resident.unit_id and not returning:
        raise UserFailure("The resident already lives in this unit.", Code.INVALID_INPUT, "unitId")
    relation = data.relation_to_head or resident.relation_to_head
    await _check_single_head(unit.id, relation, resident.id, "relationToHead")
    from_unit_id = resident.unit_id
    community = await m.Area.get(id=unit.community_ref)
    _place(resident, unit, community)
    resident.relation_to_head = relation
    resident.moved_in_on = data.moved_on or clock.today()
    _check_move_date(viewer, resident, resident.moved_in_on, "movedOn")
    if returning:
        resident.status = ResidentStatus.ACTIVE
        resident.moved_out_on = None
    await _save_unique(context, resident)
    await _follow_resident_account(resident, community)
    await context.host.resident_moved(resident, from_unit_id, viewer.user_id)
    await record(context, "moveResident", gid_of(resident))
    return resident


async def _follow_resident_account(resident: m.Resident, community: m.Area) -> None:
    """The resident's own account belongs where they live: its `resident` grant and
    home area move with them (staff grants the account may hold stay as they are)."""
    user = await m.User.get_or_none(resident_id=resident.id)
    if user is None:
        return
    await m.RoleGrant.filter(user_id=user.id, role="resident").exclude(area_id=community.id).delete()
    if not await m.RoleGrant.filter(user_id=user.id, role="resident", area_id=community.id).exists():
        await m.RoleGrant.create(user_id=user.id, role="resident", area_id=community.id)
    await m.User.filter(id=user.id).update(home_area_id=community.id)
    viewer_changed(user.id)  # queryset changes send no signal to the viewer cache


async def move_out_resident(context, data: MoveOut) -> m.Resident:
    viewer = context.viewer
    resident = await find_pk(viewer, m.Resident, data.resident_id, "residentId", "Resident", for_update=True)
    require(viewer, "resident.write", resident, "residentId")
    status = data.status or ResidentStatus.MOVED_OUT
    if status == ResidentStatus.ACTIVE:
        raise UserFailure("status must be MOVED_OUT or DECEASED.", Code.INVALID_INPUT, "status")
    _require_active(resident)
    moved_out = data.moved_out_on or clock.today()
    if moved_out > clock.today():
        raise UserFailure("movedOutOn is in the future.", Code.INVALID_INPUT, "movedOutOn")
    if resident.moved_in_on and moved_out < resident.moved_in_on:
        raise UserFailure("movedOutOn is before movedInOn.", Code.INVALID_INPUT, "movedOutOn")
    resident.status = status
    resident.moved_out_on = moved_out
    await resident.save()
    await context.host.resident_moved_out(resident, viewer.user_id)
    await record(context, "moveOutResident", gid_of(resident), detail=status.value)
    return resident
