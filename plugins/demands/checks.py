"""Input checks shared by the API edge and the services, so that nothing a client sends
reaches the database in a form it would refuse with an internal error (out-of-range ids
name nothing, text without NUL or lone surrogates, instants in UTC)."""

from __future__ import annotations

from core.enums import AreaLevel
from core.errors import ApiError, Code, UserFailure
from core.ids import decode_int_gid
from core.validation import unstorable_text

# Where a demand or a whistle may be located.
PLACE_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.COMPOUND, AreaLevel.BUILDING)
LONG_TEXT = 5000
MAX_ORGANIZATIONS = 30


def pk_of(gid: str | None, type_name: str) -> int | None:
    return decode_int_gid(gid, type_name) if gid is not None else None


def text(
    value: str | None, field: list[str], what: str, max_len: int = 200, *, required: bool = True
) -> str | None:
    """Trimmed text; INVALID_INPUT when required and empty, too long, or not storable."""
    if value is not None and unstorable_text(value):
        raise UserFailure(
            f"{what} may not contain NUL characters or unpaired surrogates", Code.INVALID_INPUT, field
        )
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise UserFailure(f"{what} must not be empty", Code.INVALID_INPUT, field)
    if len(cleaned) > max_len:
        raise UserFailure(f"{what} may be at most {max_len} characters", Code.INVALID_INPUT, field)
    return cleaned or None


def query_text(value: str | None, what: str) -> str | None:
    """A search term for a query: GraphQL error INVALID_INPUT when it cannot be stored or compared."""
    if value is None:
        return None
    if unstorable_text(value) or len(value) > 200:
        raise ApiError(f"`{what}` is not a usable search term", Code.INVALID_INPUT)
    return value.strip() or None


def organization_pks(gids: list[str] | None, field: list[str]) -> list[int | None]:
    """Decoded organisation ids (None for one that names nothing); at least one, at most MAX, no repeats."""
    gids = list(gids or [])
    if not gids:
        raise UserFailure("Name at least one organisation.", Code.INVALID_INPUT, field)
    if len(gids) > MAX_ORGANIZATIONS:
        raise UserFailure(f"At most {MAX_ORGANIZATIONS} organisations.", Code.INVALID_INPUT, field)
    pks = [pk_of(g, "Organization") for g in gids]
    seen: set[int] = set()
    for i, pk in enumerate(pks):
        if pk is not None and pk in seen:
            raise UserFailure("The same organisation is named twice.", Code.INVALID_INPUT, [*field, str(i)])
        if pk is not None:
            seen.add(pk)
    return pks
