"""Substring search on PostgreSQL as ``column ILIKE '%term%'``, which pg_trgm indexes serve.

tortoise writes ``name__icontains`` as ``UPPER(CAST(name AS VARCHAR)) LIKE UPPER('%term%')``:
right, but no index on ``name`` matches that expression, so every search reads the whole
table (16x slower at a million residents than at ten thousand). ``ILIKE`` on the bare
column is what a trigram GIN index (``name gin_trgm_ops``, migration core 0003) answers,
and what SQL written by hand or by a compiler naturally says. SQLite keeps tortoise's form
(its LIKE is case-insensitive for ASCII anyway, and it has no trigram indexes).

Installed once, for every PostgreSQL executor, when core.db is imported.
"""

from __future__ import annotations

from pypika_tortoise.enums import Matching
from pypika_tortoise.terms import BasicCriterion, Term
from tortoise.backends.base_postgres.executor import BasePostgresExecutor
from tortoise.filters import escape_like, insensitive_contains


def ilike_contains(field: Term, value: str) -> BasicCriterion:
    return BasicCriterion(Matching.ilike, field, field.wrap_constant(f"%{escape_like(value)}%"))


def install() -> None:
    BasePostgresExecutor.FILTER_FUNC_OVERRIDE = {
        **BasePostgresExecutor.FILTER_FUNC_OVERRIDE,
        insensitive_contains: ilike_contains,
    }
