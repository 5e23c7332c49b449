"""clientMutationId: a creating mutation sent twice with one key creates once.

The one helper core and every plugin use (``registerResident``,
``reportDispute``, ...). The key is remembered per operation and account in
``core_idempotency_key``; a repeat answers the first result. Used inside the
mutation's transaction:

    key = client_key(input.client_mutation_id)           # at the API edge: trimmed, checked
    earlier, claim = await claim_key(viewer, "reportDispute", key, DisputeCase, "DisputeCase")
    if earlier is not None:
        return earlier                                    # the first result, nothing created
    case = await DisputeCase.create(...)
    await claim.settle(case)                              # (no-op without a key)
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core import models as m
from core.access import visible
from core.errors import Code, Field, UserFailure, not_found
from core.ids import decode_int_gid, encode_gid
from core.permissions import Viewer
from core.validation import unstorable_text

KEY_MAX = 128  # core_idempotency_key.key
FIELD = "clientMutationId"  # logical: the API edge places it in the input (core.errors.UserFailure)


def client_key(raw: str | None, field: Field = FIELD) -> str | None:
    """The key as sent, trimmed; None when absent or blank. INVALID_INPUT when too long or unstorable."""
    if raw is None:
        return None
    if unstorable_text(raw):
        raise UserFailure(
            "clientMutationId may not contain NUL characters or unpaired surrogates",
            Code.INVALID_INPUT,
            field,
        )
    key = raw.strip()
    if len(key) > KEY_MAX:
        raise UserFailure(f"clientMutationId may be at most {KEY_MAX} characters.", Code.INVALID_INPUT, field)
    return key or None


@dataclass
class Claim:
    """The key row this mutation wrote; :meth:`settle` records the result on it."""

    row_id: int | None
    type_name: str

    async def settle(self, result: Model) -> None:
        if self.row_id is not None:
            await m.IdempotencyKey.filter(id=self.row_id).update(
                result_gid=encode_gid(self.type_name, result.pk)
            )


async def _earlier(
    viewer: Viewer, operation: str, key: str, model: type[Model], type_name: str, field: Field
) -> Model | None:
    row = await m.IdempotencyKey.get_or_none(operation=operation, actor_id=viewer.user_id or 0, key=key)
    if row is None or not row.result_gid:
        return None
    pk = decode_int_gid(row.result_gid, type_name)
    found = await visible(viewer, model).get_or_none(id=pk) if pk else None
    if found is None:  # the first result is gone, or no longer the caller's to see
        raise not_found(type_name, field)
    return found


async def claim_key(
    viewer: Viewer, operation: str, key: str | None, model: type[Model], type_name: str, field: Field = FIELD
) -> tuple[Model | None, Claim]:
    """(the earlier result, a claim that does nothing) when ``key`` was used; else (None, the claim made now).

    The key row is written first, inside the mutation's transaction: a twin sent at the same
    time blocks on it (PostgreSQL's unique index) until this mutation commits, and then gets
    this mutation's result instead of making a second one or an error. ``key=None``: no claim."""
    if key is None:
        return None, Claim(None, type_name)
    earlier = await _earlier(viewer, operation, key, model, type_name, field)
    if earlier is not None:
        return earlier, Claim(None, type_name)
    try:
        async with in_transaction():  # a savepoint: losing the race must not abort the mutation
            row = await m.IdempotencyKey.create(
                operation=operation, actor_id=viewer.user_id or 0, key=key, result_gid=""
            )
    except IntegrityError:
        earlier = await _earlier(viewer, operation, key, model, type_name, field)
        if earlier is not None:
            return earlier, Claim(None, type_name)
        raise UserFailure(
            f"A {operation} with this clientMutationId is in progress; retry.", Code.DUPLICATE, field
        ) from None
    return None, Claim(row.id, type_name)
