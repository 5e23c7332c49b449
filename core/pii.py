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


def mask_id_number(value: str) -> str:
    """410106********1234: region code and last four digits."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    return value[:3] + "****" + value[-4:]
