"""The audit log: every full read of personal data and every mutation.

Reads are collected during the operation and written in one INSERT when it
ends (a list of 500 residents costs one statement, not 500); mutations write
their row inside their own transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core import models as m
from core.ids import gid_of
from core.pii import decrypt

log = logging.getLogger("lastmile.audit")

PII_FIELDS = {"id_number": "id_number_cipher", "phone": "phone_cipher"}


@dataclass
class AuditEntry:
    """A read to audit, collected during the operation (``context.audit_reads``)."""

    action: str
    subject_gid: str | None
    field: str | None = None
    detail: str | None = None


def read_pii(context, resident: m.Resident, field: str) -> str | None:
    """The full value of ``field`` if the viewer holds resident.pii.read over the resident; audited."""
    cipher = getattr(resident, PII_FIELDS[field])
    if not cipher or not context.viewer.can("resident.pii.read", resident):
        return None
    context.audit_reads.append(AuditEntry("pii.read", gid_of(resident), field))
    return decrypt(cipher, field)


async def flush_reads(context) -> None:
    if not context.audit_reads:
        return
    entries, context.audit_reads = context.audit_reads, []
    # The same field of the same resident read twice in one operation (aliases, a resident
    # reached by two paths) is one fact: one row.
    entries = list({(e.action, e.subject_gid, e.field, e.detail): e for e in entries}.values())
    await m.AuditLog.bulk_create(
        [
            m.AuditLog(
                actor_id=context.viewer.user_id,
                action=e.action,
                subject_gid=e.subject_gid,
                field=e.field,
                request_id=context.request_id,
                detail=e.detail,
            )
            for e in entries
        ]
    )


async def record(
    context, action: str, subject_gid: str | None, detail: str | None = None, *, actor_id: int | None = None
) -> None:
    """Write one audit row now (inside the caller's transaction); the actor is the viewer unless given."""
    await m.AuditLog.create(
        actor_id=actor_id if actor_id is not None else context.viewer.user_id,
        action=action,
        subject_gid=subject_gid,
        request_id=context.request_id,
        detail=detail,
    )
