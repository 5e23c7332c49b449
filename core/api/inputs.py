"""Core's mutation inputs, parsed once at the API edge into the services' typed values.

Each value is checked here, in one pass, and handed on in its final form: ids
decoded, text trimmed and bounded, the ID number checked (GB 11643) and
normalised, phone numbers checked and normalised, tags cleaned. The services
then only apply rules that need the database or the viewer. Refusals
are UserFailures with logical field names ("idNumber", "tags.2"), which
run_mutation places below ``input``; they run inside the mutation, so they
answer as userErrors.
"""

from __future__ import annotations

from core.enums import AREA_TYPE_NAMES, AreaLevel
from core.errors import Code, UserFailure
from core.idempotency import client_key
from core.ids import decode_int_gid, given_pk
from core.password_policy import MAX_LENGTH as MAX_PASSWORD
from core.services.accounts import Grant, NewUser
from core.services.areas import (
    ADDRESS_MAX,
    CODE_MAX,
    LABEL_MAX,
    AreaChanges,
    NewArea,
    NewUnit,
    UnitChanges,
)
from core.services.areas import (
    NAME_MAX as AREA_NAME_MAX,
)
from core.services.guards import optional_text, require_text, storable
from core.services.organizations import NAME_MAX as ORGANIZATION_NAME_MAX
from core.services.organizations import NewOrganization
from core.services.residents import Move as ResidentMove
from core.services.residents import MoveOut, Registration, ResidentChanges
from core.validation import id_number_problem, normalise_id_number, normalise_phone, phone_problem

NAME_MAX = 100
TAG_MAX = 50
TAGS_MAX = 50


def id_number(raw: str | None) -> str | None:
    """None: not given; "": given blank (clears); else the checked, normalised number."""
    if raw is None:
        return None
    if not raw.strip():
        return ""
    problem = id_number_problem(raw)
    if problem:
        raise UserFailure(f"Invalid ID card number: {problem}.", Code.INVALID_ID_NUMBER, "idNumber")
    return normalise_id_number(raw)


def phone(raw: str | None) -> str | None:
    """None: not given; "": given blank (clears); else the checked, normalised mainland mobile number."""
    if raw is None:
        return None
    if not raw.strip():
        return ""
    problem = phone_problem(raw)
    if problem:
        raise UserFailure(f"Invalid mobile number: {problem}.", Code.INVALID_PHONE, "phone")
    return normalise_phone(raw)


def tags(values: list[str]) -> tuple[str, ...]:
    """Tags as given (trimmed): a tag is never split, merged or dropped silently."""
    if len(values) > TAGS_MAX:
        raise UserFailure(f"At most {TAGS_MAX} tags.", Code.INVALID_INPUT, "tags")
    clean = []
    for i, raw in enumerate(values):
        field = f"tags.{i}"
        tag = storable(raw, field, "A tag").strip()
        if not tag:
            raise UserFailure("A tag must not be empty.", Code.INVALID_INPUT, field)
        if len(tag) > TAG_MAX:
            raise UserFailure(f"A tag may be at most {TAG_MAX} characters.", Code.INVALID_INPUT, field)
        if "|" in tag:
            raise UserFailure("A tag may not contain '|'.", Code.INVALID_INPUT, field)
        clean.append(tag)
    return tuple(clean)


def registration(data) -> Registration:
    """registerResident's ``input`` (core.api.mutations.RegisterResidentInput)."""
    return Registration(
        client_key=client_key(data.client_mutation_id),
        unit_id=given_pk(data.unit_id, "Unit"),
        community_id=given_pk(data.community_id, "Community"),
        name=require_text(data.name, "name", "name", NAME_MAX),
        id_number=id_number(data.id_number) or None,
        gender=data.gender,
        birth_date=data.birth_date,
        phone=phone(data.phone) or None,
        relation_to_head=data.relation_to_head,
        residency_type=data.residency_type,
        is_party_member=bool(data.is_party_member),
        tags=tags(data.tags or []),
        moved_in_on=data.moved_in_on,
    )


def changes(data) -> ResidentChanges:
    """updateResident's ``input``."""
    return ResidentChanges(
        resident_id=decode_int_gid(data.id, "Resident") or 0,
        name=require_text(data.name, "name", "name", NAME_MAX) if data.name is not None else None,
        id_number=id_number(data.id_number),
        gender=data.gender,
        birth_date=data.birth_date,
        phone=phone(data.phone),
        relation_to_head=data.relation_to_head,
        residency_type=data.residency_type,
        is_party_member=data.is_party_member,
        tags=tags(data.tags) if data.tags is not None else None,
    )


def move(data) -> ResidentMove:
    """moveResident's ``input``."""
    return ResidentMove(
        resident_id=decode_int_gid(data.resident_id, "Resident") or 0,
        unit_id=decode_int_gid(data.unit_id, "Unit") or 0,
        relation_to_head=data.relation_to_head,
        moved_on=data.moved_on,
    )


def move_out(data) -> MoveOut:
    """moveOutResident's ``input``."""
    return MoveOut(
        resident_id=decode_int_gid(data.resident_id, "Resident") or 0,
        moved_out_on=data.moved_out_on,
        status=data.status,
    )


# ---------------------------------------------------------------- areas and units


def _clearable(value: str | None, field: str, max_len: int) -> str | None:
    """An optional text of a change: None stays None (unchanged), blank becomes "" (clears)."""
    if value is None:
        return None
    return optional_text(value, field, field, max_len) or ""


def new_area(data) -> NewArea:
    """createArea's ``input``."""
    level = data.level
    return NewArea(
        level=level,
        name=require_text(data.name, "name", "name", AREA_NAME_MAX),
        parent_id=given_pk(data.parent_id, *AREA_TYPE_NAMES),
        code=optional_text(data.code, "code", "code", CODE_MAX),
        is_town=bool(data.is_town) if level == AreaLevel.SUBDISTRICT else False,
        address=optional_text(data.address, "address", "address", ADDRESS_MAX),
        built_year=data.built_year,
        floors=data.floors,
    )


def area_changes(data) -> AreaChanges:
    """updateArea's ``input``."""
    return AreaChanges(
        area_id=decode_int_gid(data.id, *AREA_TYPE_NAMES) or 0,
        name=require_text(data.name, "name", "name", AREA_NAME_MAX) if data.name is not None else None,
        code=_clearable(data.code, "code", CODE_MAX),
        address=_clearable(data.address, "address", ADDRESS_MAX),
        built_year=data.built_year,
        floors=data.floors,
    )


def area_id(gid: str) -> int:
    """deleteArea's ``id``."""
    return decode_int_gid(gid, *AREA_TYPE_NAMES) or 0


def new_unit(data) -> NewUnit:
    """createUnit's ``input``."""
    return NewUnit(
        building_id=decode_int_gid(data.building_id, "Building") or 0,
        label=require_text(data.label, "label", "label", LABEL_MAX),
        floor=data.floor,
        area_sqm=data.area_sqm,
        usage=data.usage,
    )


def unit_changes(data) -> UnitChanges:
    """updateUnit's ``input``."""
    return UnitChanges(
        unit_id=decode_int_gid(data.id, "Unit") or 0,
        label=require_text(data.label, "label", "label", LABEL_MAX) if data.label is not None else None,
        floor=data.floor,
        area_sqm=data.area_sqm,
        usage=data.usage,
    )


# ---------------------------------------------------------------- accounts


def new_user(data) -> NewUser:
    """createUser's ``input``: names checked, the password storable and bounded (its strength
    is the service's to judge, against the names)."""
    password = storable(data.password, "password", "password") or ""
    if len(password) > MAX_PASSWORD:
        raise UserFailure(
            f"The password may be at most {MAX_PASSWORD} characters.", Code.INVALID_INPUT, "password"
        )
    return NewUser(
        username=require_text(data.username, "username", "username", 64),
        display_name=require_text(data.display_name, "displayName", "displayName", 100),
        password=password,
        resident_id=given_pk(data.resident_id, "Resident"),
        area_id=given_pk(data.area_id, *AREA_TYPE_NAMES),
    )


def grant(data) -> Grant:
    """grantRole's and revokeRole's ``input``."""
    return Grant(
        user_id=decode_int_gid(data.user_id, "User") or 0,
        role=data.role,
        area_id=decode_int_gid(data.area_id, *AREA_TYPE_NAMES) or 0,
    )


def user_id(gid: str) -> int:
    """setUserActive's ``userId``."""
    return decode_int_gid(gid, "User") or 0


# ---------------------------------------------------------------- organisations


def contact_phone(raw: str | None) -> str | None:
    """A work phone as written (landlines too): digits, spaces, +, - and brackets, at most 32."""
    phone = (raw or "").strip() or None
    if phone and (len(phone) > 32 or not all(c.isdigit() or c in "+- ()" for c in phone)):
        raise UserFailure(
            "contactPhone may hold digits, spaces, +, - and brackets.", Code.INVALID_PHONE, "contactPhone"
        )
    return phone


def new_organization(data) -> NewOrganization:
    """createOrganization's ``input``."""
    communities = dict.fromkeys(
        decode_int_gid(gid, "Community") or 0 for gid in dict.fromkeys(data.partner_community_ids or [])
    )
    return NewOrganization(
        name=require_text(data.name, "name", "name", ORGANIZATION_NAME_MAX),
        kind=data.kind,
        contact_name=optional_text(data.contact_name, "contactName", "contactName", 100),
        contact_phone=contact_phone(data.contact_phone),
        partner_community_ids=tuple(communities),
    )


def organization_id(gid: str) -> int:
    """linkPartner's ``organizationId``."""
    return decode_int_gid(gid, "Organization") or 0


def community_id(gid: str) -> int:
    """linkPartner's ``communityId``."""
    return decode_int_gid(gid, "Community") or 0
