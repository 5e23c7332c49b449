"""Text inputs: trimmed, bounded, and storable (core refuses NUL characters and unpaired surrogates)."""

from __future__ import annotations

from core.services import guards

require_text = guards.require_text


def optional_text(value: str | None, field: list[str], what: str, max_len: int = 2000) -> str | None:
    """Trimmed, empty -> None, at most ``max_len`` characters, storable: else INVALID_INPUT."""
    return guards.optional_text(value, field, what, max_len)
