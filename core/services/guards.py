"""Checks every service starts with: find the object in scope, then the permission."""

from __future__ import annotations

from tortoise.models import Model

from core.access import visible
from core.errors import Code, Field, UserFailure, not_found
from core.ids import decode_int_gid
from core.permissions import Viewer
from core.validation import unstorable_text


async def find(
    viewer: Viewer,
    model: type[Model],
    gid: str | None,
    field: Field,
    *type_names: str,
    what: str | None = None,
    for_update: bool = False,
):
    """The visible ``model`` row the global id ``gid`` names; NOT_FOUND (never FORBIDDEN) otherwise.

    For plugin services still handed global ids; core's services get ids decoded at the API
    edge and call :func:`find_pk`."""
    pk = decode_int_gid(gid, *(type_names or (model.__name__,)))
    return await find_pk(
        viewer, model, pk, field, what or (type_names[0] if type_names else None), for_update=for_update
    )


async def find_pk(
    viewer: Viewer,
    model: type[Model],
    pk: int | None,
    field: Field,
    what: str | None = None,
    for_update: bool = False,
):
    """The visible ``model`` row with primary key ``pk``; NOT_FOUND (never FORBIDDEN) otherwise,
    also for ``pk=None`` (an id that named nothing)."""
    label = what or model.__name__
    if pk is None:
        raise not_found(label, field)
    qs = visible(viewer, model).filter(id=pk)
    if for_update:
        # Lock only the target's own table: a policy may join related tables (a resident's
        # volunteer policy joins core_resident with LEFT OUTER JOIN), and PostgreSQL refuses
        # FOR UPDATE on the nullable side of an outer join.
        qs = qs.select_for_update(of=(model._meta.db_table,))
    obj = await qs.first()
    if obj is None:
        raise not_found(label, field)
    return obj


def require(viewer: Viewer, permission: str, obj=None, field: Field | None = None) -> None:
    """FORBIDDEN unless the viewer holds ``permission`` over ``obj`` (lineage) or anywhere."""
    if not viewer.can(permission, obj):
        raise UserFailure(f"You lack the {permission} permission here.", Code.FORBIDDEN, field)


def storable(value: str | None, field: Field, what: str) -> str | None:
    """``value`` unless it holds text no database can store (INVALID_INPUT)."""
    if value is not None and unstorable_text(value):
        raise UserFailure(
            f"{what} may not contain NUL characters or unpaired surrogates", Code.INVALID_INPUT, field
        )
    return value


def optional_text(value: str | None, field: Field, what: str, max_len: int) -> str | None:
    """An optional text input: stripped, empty -> None, longer than ``max_len`` -> INVALID_INPUT."""
    text = (storable(value, field, what) or "").strip()
    if len(text) > max_len:
        raise UserFailure(f"{what} may be at most {max_len} characters", Code.INVALID_INPUT, field)
    return text or None


def require_text(value: str | None, field: Field, what: str, max_len: int = 200) -> str:
    text = (storable(value, field, what) or "").strip()
    if not text:
        raise UserFailure(f"{what} must not be empty", Code.INVALID_INPUT, field)
    if len(text) > max_len:
        raise UserFailure(f"{what} may be at most {max_len} characters", Code.INVALID_INPUT, field)
    return text
