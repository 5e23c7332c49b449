"""SQL spellings that differ between PostgreSQL and SQLite, and bound parameters.

Every value expression returned here is JSON-ready: a SQL value whose JSON
form equals what the resolver path serialises for the same field (global ids,
cursors, booleans, DateTime, Date, Float, tag lists).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from pypika_tortoise.terms import Parameterizer

from core.api.relay import encode_keyset
from core.pii import served_id_mask, served_phone_mask


class Params:
    """Values bound to numbered placeholders ($n on PostgreSQL, ?n on SQLite), so that
    fragments can be written in any order."""

    def __init__(self, postgres: bool):
        self.postgres = postgres
        prefix = "$" if postgres else "?"
        self.parameterizer = Parameterizer(placeholder_factory=lambda n: f"{prefix}{n}")

    @property
    def values(self) -> list:
        return self.parameterizer.values

    def add(self, value) -> str:
        self.parameterizer.values.append(value)
        return self.parameterizer.placeholder_factory(len(self.parameterizer.values))


def lit(text: str) -> str:
    """A SQL string literal for text known at build time (type names, keys)."""
    return "'" + text.replace("'", "''") + "'"


class Dialect:
    postgres: bool

    def obj(self, pairs: list[tuple[str, str]]) -> str:
        raise NotImplementedError


class Postgres(Dialect):
    postgres = True
    name = "postgres"

    def obj(self, pairs):
        if not pairs:
            return "json_build_object()"
        # json_build_object takes at most 100 arguments; longer objects are concatenated text-wise.
        chunks = [pairs[i : i + 50] for i in range(0, len(pairs), 50)]
        parts = ["json_build_object(" + ", ".join(f"{lit(k)}, {v}" for k, v in c) + ")" for c in chunks]
        if len(parts) == 1:
            return parts[0]
        inner = " || ',' || ".join(f"trim(both '{{}}' from ({p})::text)" for p in parts)
        return f"('{{' || {inner} || '}}')::json"

    def agg(self, expr: str, order: str) -> str:
        return f"coalesce(json_agg({expr} ORDER BY {order}), '[]'::json)"

    def agg_filtered(self, expr: str, order: str, cond: str) -> str:
        return f"coalesce(json_agg({expr} ORDER BY {order}) FILTER (WHERE {cond}), '[]'::json)"

    def sub(self, select_sql: str) -> str:
        """A scalar subquery yielding JSON, used as a value."""
        return f"({select_sql})"

    def array(self, items: list[str]) -> str:
        return "json_build_array(" + ", ".join(items) + ")"

    def gid(self, type_name: str, id_sql: str) -> str:
        raw = f"convert_to({lit(type_name + ':')} || {id_sql}, 'UTF8')"
        return f"rtrim(translate(encode({raw}, 'base64'), E'+/\\n', '-_'), '=')"

    def cursor(self, n_sql: str) -> str:
        return f"translate(encode(convert_to('o:' || ({n_sql}), 'UTF8'), 'base64'), E'+/\\n', '-_')"

    def keyset(self, values: list[str]) -> str:
        # json_build_array's text is json.dumps's (", " between items, the same escapes).
        raw = f"convert_to('k:' || json_build_array({', '.join(values)})::text, 'UTF8')"
        return f"translate(encode({raw}, 'base64'), E'+/\\n', '-_')"

    def year_int(self, col: str) -> str:
        return f"CAST(EXTRACT(YEAR FROM {col}) AS INTEGER)"

    def boolean(self, sql: str) -> str:
        return f"({sql})"

    def datetime(self, col: str) -> str:
        # Python's isoformat: six fractional digits unless they are all zero.
        utc = f"({col} AT TIME ZONE 'UTC')"
        return (
            f"CASE WHEN {col} IS NULL THEN NULL WHEN date_part('microseconds', {utc})::int % 1000000 = 0 "
            f'THEN to_char({utc}, \'YYYY-MM-DD"T"HH24:MI:SS"+00:00"\') '
            f'ELSE to_char({utc}, \'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\') END'
        )

    def date(self, col: str) -> str:
        return f"to_char({col}, 'YYYY-MM-DD')"

    def float(self, col: str) -> str:
        # float8's JSON drops ".0" from whole numbers; Python keeps it.
        return (
            f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} = trunc({col}) AND abs({col}) < 1e15 "
            f"THEN ({col}::text || '.0')::json ELSE to_json({col}) END"
        )

    def tags(self, col: str) -> str:
        return f"array_to_json(array_remove(string_to_array(coalesce({col}, ''), '|'), ''))"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})"

    def age(self, col: str, today: str) -> str:
        return (
            f"CASE WHEN {col} IS NULL THEN NULL ELSE (date_part('year', {today}::date) - date_part('year', {col}) "
            f"- CASE WHEN to_char({today}::date, 'MMDD') < to_char({col}, 'MMDD') THEN 1 ELSE 0 END)::int END"
        )

    # core.pii's disclosure rules (served_id_mask, served_phone_mask, the birth year).
    def mask_id(self, col: str) -> str:
        return (
            f"CASE WHEN {col} IS NULL OR {col} = '' THEN NULL "
            f"ELSE substr({col}, 1, 6) || repeat('*', GREATEST(length({col}) - 6, 0)) END"
        )

    def mask_phone(self, col: str) -> str:
        return (
            f"CASE WHEN {col} IS NULL OR {col} = '' THEN NULL "
            f"ELSE repeat('*', GREATEST(length({col}) - 4, 0)) || right({col}, 4) END"
        )

    def year(self, col: str) -> str:
        return f"EXTRACT(YEAR FROM {col})"

    def year_age(self, col: str, today: str) -> str:
        return f"(date_part('year', {today}::date) - date_part('year', {col}))::int"

    def today(self, params: Params) -> str:
        return params.add(dt.date.today())

    def text(self, col: str) -> str:
        return col

    def json_null(self) -> str:
        return "'null'::json"


class SQLite(Dialect):
    postgres = False
    name = "sqlite"

    def obj(self, pairs):
        return "json_object(" + ", ".join(f"{lit(k)}, {v}" for k, v in pairs) + ")"

    def agg(self, expr: str, order: str) -> str:
        # SQLite 3.40 has no ORDER BY inside aggregates; the rows arrive ordered from the subquery.
        # A json_object()/json() argument keeps its JSON subtype: no json() wrapper needed.
        return f"json_group_array({expr})"

    def agg_filtered(self, expr: str, order: str, cond: str) -> str:
        return f"json_group_array({expr}) FILTER (WHERE {cond})"

    def sub(self, select_sql: str) -> str:
        # A value leaving a subquery loses its JSON subtype: json() restores it.
        return f"json(({select_sql}))"

    def array(self, items: list[str]) -> str:
        return "json_array(" + ", ".join(items) + ")"

    def gid(self, type_name: str, id_sql: str) -> str:
        return f"lm_gid({lit(type_name)}, {id_sql})"

    def cursor(self, n_sql: str) -> str:
        return f"lm_cursor({n_sql})"

    def keyset(self, values: list[str]) -> str:
        return f"lm_keyset({', '.join(values)})"

    def year_int(self, col: str) -> str:
        return self.year(col)

    def boolean(self, sql: str) -> str:
        return f"json(CASE WHEN ({sql}) IS NULL THEN NULL WHEN ({sql}) THEN 'true' ELSE 'false' END)"

    def datetime(self, col: str) -> str:
        return f"lm_datetime({col})"

    def date(self, col: str) -> str:
        return f"lm_date({col})"

    def float(self, col: str) -> str:
        return f"json(lm_float({col}))"

    def tags(self, col: str) -> str:
        return f"json(lm_tags({col}))"

    def least(self, a: str, b: str) -> str:
        return f"min({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"max({a}, {b})"

    def age(self, col: str, today: str) -> str:
        return (
            f"CASE WHEN {col} IS NULL THEN NULL ELSE CAST(substr({today}, 1, 4) AS INTEGER) "
            f"- CAST(substr({col}, 1, 4) AS INTEGER) "
            f"- (substr({today}, 6, 2) || substr({today}, 9, 2) < substr({col}, 6, 2) || substr({col}, 9, 2)) END"
        )

    # core.pii's disclosure rules (served_id_mask, served_phone_mask, the birth year).
    def mask_id(self, col: str) -> str:
        return f"lm_mask_id({col})"

    def mask_phone(self, col: str) -> str:
        return f"lm_mask_phone({col})"

    def year(self, col: str) -> str:
        # The same expression as core.api.filters orders by.
        return f"CAST(strftime('%Y', {col}) AS INTEGER)"

    def year_age(self, col: str, today: str) -> str:
        return f"CAST(substr({today}, 1, 4) AS INTEGER) - CAST(substr({col}, 1, 4) AS INTEGER)"

    def today(self, params: Params) -> str:
        return params.add(dt.date.today().isoformat())

    def text(self, col: str) -> str:
        return col

    def json_null(self) -> str:
        return "json('null')"


# ---------------------------------------------------------------- SQLite helper functions
# SQLite has no base64 and stores datetimes as text: small deterministic functions,
# registered on each connection, give the same spelling as the resolver path.


def _gid(type_name, pk):
    if pk is None:
        return None
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def _cursor(n):
    if n is None:
        return None
    return base64.urlsafe_b64encode(f"o:{int(n)}".encode()).decode()


def _datetime(value):
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).isoformat()


def _date(value):
    if value is None:
        return None
    return value[:10] if isinstance(value, str) else str(value)


def _float(value):
    return None if value is None else json.dumps(float(value))


def _tags(value):
    return json.dumps([t for t in (value or "").split("|") if t], ensure_ascii=False)


def _keyset(*values):
    return encode_keyset(values)


SQLITE_FUNCTIONS = {
    "lm_keyset": (-1, _keyset),
    "lm_mask_id": (1, served_id_mask),
    "lm_mask_phone": (1, served_phone_mask),
    "lm_gid": (2, _gid),
    "lm_cursor": (1, _cursor),
    "lm_datetime": (1, _datetime),
    "lm_date": (1, _date),
    "lm_float": (1, _float),
    "lm_tags": (1, _tags),
}
