"""Row scopes: which rows of a model a viewer may see, as values that compose.

An access policy returns one of three kinds of value:

- :data:`EVERYWHERE`: every row (a superuser, or a public directory);
- :data:`NOWHERE`: no row;
- :func:`where` (a :class:`Where`): the rows a tortoise ``Q`` filter selects.

They combine with ``|`` (either) and ``&`` (both), and the two extremes are
absorbing the way sets are: ``EVERYWHERE | x`` is EVERYWHERE, ``NOWHERE & x`` is
NOWHERE, ``EVERYWHERE & x`` and ``NOWHERE | x`` are ``x``. Why not plain Q: the
empty ``Q()`` that means "everything" to tortoise silently drops out of an OR
(``Q(Q(), Q(id=1), join_type="OR")`` selects only row 1), so a superuser
OR-ed with a resident's own rows lost everything else. Here "everywhere" is a
value of its own, and :func:`where` refuses an empty Q so it cannot sneak back.
"""

from __future__ import annotations

from tortoise.expressions import Q


class RowScope:
    """Base of the three kinds; use the module's constants and :func:`where`."""

    __slots__ = ()

    def q(self) -> Q:
        """The tortoise filter for ``Model.filter(...)``."""
        raise NotImplementedError

    def __or__(self, other: RowScope) -> RowScope:
        return any_of(self, other)

    def __and__(self, other: RowScope) -> RowScope:
        return all_of(self, other)


class Everywhere(RowScope):
    __slots__ = ()

    def q(self) -> Q:
        return Q()

    def __repr__(self) -> str:
        return "EVERYWHERE"


class Nowhere(RowScope):
    __slots__ = ()

    def q(self) -> Q:
        # An always-false filter tortoise renders without touching any column.
        return Q(id__in=[])

    def __repr__(self) -> str:
        return "NOWHERE"


class Where(RowScope):
    """The rows a non-empty tortoise filter selects."""

    __slots__ = ("_q",)

    def __init__(self, q: Q):
        if not isinstance(q, Q):
            raise TypeError(f"Where takes a tortoise Q, not {type(q).__name__}")
        if not q.children and not q.filters:
            raise ValueError("an empty Q() means every row: use core.scopes.EVERYWHERE")
        self._q = q

    def q(self) -> Q:
        return self._q

    def __repr__(self) -> str:
        return f"Where({self._q!r})"


EVERYWHERE: RowScope = Everywhere()
NOWHERE: RowScope = Nowhere()


def where(*qs: Q, **filters) -> RowScope:
    """Rows matching all the given Q objects and keyword filters (tortoise syntax).

    ``where(id__in=[])`` is allowed (it is NOWHERE in effect); ``where()`` is refused."""
    parts = [*qs, *([Q(**filters)] if filters else [])]
    if not parts:
        raise ValueError("where() needs a filter: use EVERYWHERE for every row")
    return Where(parts[0] if len(parts) == 1 else Q(*parts))


def _check(value) -> RowScope:
    if not isinstance(value, RowScope):
        raise TypeError(
            f"expected a RowScope (EVERYWHERE, NOWHERE or where(...)), got {type(value).__name__}"
        )
    return value


def any_of(*scopes: RowScope | None) -> RowScope:
    """Rows in at least one of ``scopes`` (None entries are skipped: "no extra rows")."""
    kept = [s for s in map(_check, filter(None, scopes)) if isinstance(s, Where | Everywhere)]
    if any(isinstance(s, Everywhere) for s in kept):
        return EVERYWHERE
    if not kept:
        return NOWHERE
    return kept[0] if len(kept) == 1 else Where(Q(*(s.q() for s in kept), join_type="OR"))


def all_of(*scopes: RowScope | None) -> RowScope:
    """Rows in every one of ``scopes`` (None entries are skipped: "no restriction")."""
    kept = [s for s in map(_check, filter(None, scopes)) if isinstance(s, Where | Nowhere)]
    if any(isinstance(s, Nowhere) for s in kept):
        return NOWHERE
    if not kept:
        return EVERYWHERE
    return kept[0] if len(kept) == 1 else Where(Q(*(s.q() for s in kept)))
