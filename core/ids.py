"""Opaque Relay global ids: base64url("TypeName:pk")."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from core.enums import AREA_TYPE_NAMES, AreaLevel

# model class -> function(obj) -> GraphQL type name; plugins add theirs with register_node_model.
_TYPE_NAMERS: dict[type, Callable[[object], str]] = {}


def register_node_model(model: type, namer: str | Callable[[object], str]) -> None:
    """``register_node_model(Notice, "Notice")`` at import: global ids of its rows name that type."""
    _TYPE_NAMERS[model] = namer if callable(namer) else (lambda _obj, n=namer: n)


def type_name_of(obj) -> str:
    return _TYPE_NAMERS[type(obj)](obj)


def gid_of(obj) -> str:
    """The global id of a row of a registered model."""
    return encode_gid(type_name_of(obj), obj.pk)


def encode_gid(type_name: str, pk: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_gid(gid: str) -> tuple[str, str] | None:
    """Return (type name, pk) or None when ``gid`` is not one of ours."""
    if not isinstance(gid, str) or not gid or len(gid) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(gid + "=" * (-len(gid) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or not type_name or not pk:
        return None
    return type_name, pk


def decode_int_gid(gid: str | None, *type_names: str) -> int | None:
    """The integer pk of ``gid`` if it names one of ``type_names``, else None."""
    parts = decode_gid(gid) if gid is not None else None
    if parts is None or parts[0] not in type_names:
        return None
    return canonical_int(parts[1])


def decode_area_gid(gid: str | None) -> tuple[int, AreaLevel] | None:
    """(pk, level the id's type names) of an area's global id (``Community:7`` names a
    community); None when malformed or not an area's. The row's own level must still match:
    a compound's number as a Community id names nothing."""
    parts = decode_gid(gid) if gid is not None else None
    if parts is None or parts[0] not in AREA_TYPE_NAMES:
        return None
    pk = canonical_int(parts[1])
    return (pk, AreaLevel(parts[0].upper())) if pk is not None else None


def given_pk(gid: str | None, *type_names: str) -> int | None:
    """For an optional id argument, decoded at the API edge: None when not given, 0 (no row has
    it: the service answers NOT_FOUND) when given but naming nothing of those types."""
    if gid is None:
        return None
    return decode_int_gid(gid, *type_names) or 0


# Ids are positive and fit the 32-bit id columns; anything else names no row.
_MAX_PK = 2**31 - 1


def canonical_int(raw: str) -> int | None:
    """``raw`` as a primary key if it is written the one canonical way (ASCII digits,
    no sign, spaces, underscores or leading zeros), so that one object has one global id."""
    if not raw or not raw.isascii() or not raw.isdigit() or (raw[0] == "0" and raw != "0") or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= _MAX_PK else None
