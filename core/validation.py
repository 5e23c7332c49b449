"""Checks of the identifiers residents carry."""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
# Mainland mobile numbers: 1, then 3-9, then nine digits (GB/T, MIIT numbering plan).
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(raw: str) -> str:
    return raw.strip().upper()


def _district_today() -> date:
    from core import clock

    return clock.today()


def id_number_problem(raw: str, today: date | None = None) -> str | None:
    """Why ``raw`` is not a valid GB 11643 citizen ID number, or None if it is."""
    value = normalise_id_number(raw)
    if not _ID_RE.match(value):
        return "an ID card number has 17 digits followed by a digit or X"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "the birth date inside the ID card number is not a real date"
    if born > (today or _district_today()) or born.year < 1880:
        return "the birth date inside the ID card number is out of range"
    if id_check_digit(value[:17]) != value[17]:
        return "the ID card number's check digit does not match"
    return None


def birth_date_from_id(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    """GB 11643: the 17th character is odd for men, even for women."""
    return "MALE" if int(value[16]) % 2 else "FEMALE"


def normalise_phone(raw: str) -> str:
    value = re.sub(r"[\s-]", "", raw.strip())
    if value.startswith("+86"):
        value = value[3:]
    return value


def phone_problem(raw: str) -> str | None:
    if not _PHONE_RE.match(normalise_phone(raw)):
        return "a mainland mobile number has 11 digits and starts with 13-19"
    return None


def make_id_number(region: str, born: date, sequence: int) -> str:
    """Build a valid ID number (demo data and tests)."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_digit(first17)


def unstorable_text(text: str) -> bool:
    """Text no database can store: a NUL character (PostgreSQL refuses it) or an
    unpaired surrogate (JSON may escape one, "\\ud800"; no encoding holds it)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
