"""Residents' personal data: authenticated encryption, blind index, masking.

ID card and phone numbers are stored as AES-GCM ciphertext (random nonce,
the field name as associated data so a ciphertext cannot be moved to another
column), plus an HMAC-SHA256 "blind index" for exact-match lookup and the
uniqueness constraint, plus the masked form served by default.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.settings import get_settings


def _derive(material: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lastmile-pii", info=purpose).derive(material)


@lru_cache(maxsize=4)
def _keys(material: str) -> tuple[bytes, bytes]:
    raw = material.encode()
    return _derive(raw, b"encrypt"), _derive(raw, b"blind-index")


def _current_keys() -> tuple[bytes, bytes]:
    s = get_settings()
    return _keys(s.pii_key or s.secret_key)


def encrypt(value: str, field: str) -> str:
    enc_key, _ = _current_keys()
    nonce = os.urandom(12)
    ct = AESGCM(enc_key).encrypt(nonce, value.encode(), field.encode())
    return "v1:" + base64.b64encode(nonce + ct).decode()


def decrypt(token: str, field: str) -> str:
    enc_key, _ = _current_keys()
    if not token.startswith("v1:"):
        raise ValueError("unknown ciphertext version")
    blob = base64.b64decode(token[3:])
    return AESGCM(enc_key).decrypt(blob[:12], blob[12:], field.encode()).decode()


def blind_index(value: str, field: str) -> str:
    _, idx_key = _current_keys()
    return hmac.new(idx_key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- what is disclosed, to whom
#
# The rule (docs/security.md, "What a masked value gives away"): nothing a viewer
# receives without an audited full read may combine into an ID or phone number.
# - The masked forms show what no other field can complete: the ID number's region
#   code (never its birth date, sequence or check digit) and the phone's last four
#   digits (which the counter search by last four digits matches anyway).
# - The birth date is the ID number's digits 7-14: it is served in full, and age and
#   the age filters and birth-date ordering work to the day, only for viewers holding
#   resident.pii.read over the resident. Everyone else gets the birth year: age is the
#   age reached this calendar year, filters and ordering go by the year.

PII_READ = "resident.pii.read"
ID_SHOWN = 6  # the region code (administrative division of the household registration)
PHONE_SHOWN = 4  # the last four digits


def mask_id_number(value: str) -> str:
    """410106************: the region code only."""
    return value[:ID_SHOWN] + "*" * (len(value) - ID_SHOWN)


def mask_phone(value: str) -> str:
    """*******5678: the last four digits only."""
    return "*" * (len(value) - PHONE_SHOWN) + value[-PHONE_SHOWN:]


def served_id_mask(stored: str | None) -> str | None:
    """The masked ID number as served. Rows written before the current rule keep the older
    form (410106********1234) in their column; it is re-masked here, never served as is."""
    return mask_id_number(stored) if stored else None


def served_phone_mask(stored: str | None) -> str | None:
    """The masked phone as served (older rows hold 138****5678 in their column)."""
    return mask_phone(stored) if stored else None


def sees_birth_date(viewer, resident) -> bool:
    """Whether the viewer may have the resident's birth date to the day (resident.pii.read
    over the resident's area: the same permission as the full ID number)."""
    return viewer.can(PII_READ, resident)


def birth_date_everywhere(viewer) -> bool:
    """Whether the viewer holds resident.pii.read over every resident they may read, so
    that filters and orderings over a whole list may go by the exact birth date. A list
    mixing residents of both kinds goes by the birth year for all of them: an exact
    order or age cut would place the others between residents whose dates are shown."""
    if viewer.is_superuser:
        return True
    pii = viewer.scope(PII_READ)
    if pii.everywhere:
        return True
    roots = {area_id for _level, area_id in pii.roots}
    if not roots:
        return False

    def covered(area_ids) -> bool:
        return any(a in roots for a in area_ids)

    for grant in viewer.grants:
        if "resident.read" in viewer.permissions_of(grant) and not covered((grant.area_id, *grant.lineage)):
            return False
    # A resident's own record and household are readable without any scope.
    return not (viewer.resident_id and not covered(viewer.record_lineage))
