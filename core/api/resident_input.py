"""The resident mutations' inputs, parsed once at the API edge into core.services.residents' values.

Each value is checked here, in one pass, and handed on in its final form: ids
decoded, text trimmed and bounded, the ID number checked (GB 11643) and
normalised, the phone number checked and normalised, tags cleaned. The
services then only apply rules that need the database or the viewer. Refusals
are UserFailures with logical field names ("idNumber", "tags.2"), which
run_mutation places below ``input``; they run inside the mutation, so they
answer as userErrors.
"""

from __future__ import annotations

from core.errors import Code, UserFailure
from core.idempotency import client_key
from core.ids import decode_int_gid, given_pk
from core.services.guards import require_text, storable
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
    return ResidentMove(resident_id=decode_int_gid(data.resident_id, "Resident") or 0,
                        unit_id=decode_int_gid(data.unit_id, "Unit") or 0,
                        relation_to_head=data.relation_to_head, moved_on=data.moved_on)


def move_out(data) -> MoveOut:
    """moveOutResident's ``input``."""
    return MoveOut(resident_id=decode_int_gid(data.resident_id, "Resident") or 0,
                   moved_out_on=data.moved_out_on, status=data.status)
