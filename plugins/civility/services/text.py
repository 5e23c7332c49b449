"""Text inputs: trimmed, bounded, and free of NUL characters (PostgreSQL cannot store them)."""

from __future__ import annotations

from core.errors import Code, UserFailure
from core.services import guards


def _no_nul(value: str | None, field: list[str], what: str) -> None:
    if value is not None and "\x00" in value:
        raise UserFailure(f"{what} must not contain NUL characters", Code.INVALID_INPUT, field)


def require_text(value: str | None, field: list[str], what: str, max_len: int = 200) -> str:
    """Trimmed, not empty, at most ``max_len`` characters, no NUL: else INVALID_INPUT."""
    _no_nul(value, field, what)
    return guards.require_text(value, field, what, max_len)


def optional_text(value: str | None, field: list[str], what: str, max_len: int = 2000) -> str | None:
    """Trimmed, empty -> None, at most ``max_len`` characters, no NUL: else INVALID_INPUT."""
    _no_nul(value, field, what)
    text = (value or "").strip()
    if len(text) > max_len:
        raise UserFailure(f"{what} may be at most {max_len} characters", Code.INVALID_INPUT, field)
    return text or None
