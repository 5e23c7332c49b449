"""A tortoise Q (the policies of core.access, a filter's conditions) as SQL over one table alias.

tortoise renders the condition itself, so lookups, escaping and value
conversion are exactly those of the resolver path. A Q that needs joins
(``home_area__...``) becomes ``alias.id IN (SELECT id ... )``.
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.compiler.dialect import Params


def _empty(q: Q) -> bool:
    return not q.children and not q.filters and not getattr(q, "_is_negated", False)


def q_sql(model: type[Model], q: Q | None, alias: str, params: Params) -> str | None:
    """``q`` over ``model`` as a SQL condition on ``alias``; None when it holds for every row."""
    if q is None or _empty(q):
        return None
    qs: QuerySet = model.filter(q).only("id")
    qs._choose_db_if_not_chosen()
    qs._make_query()
    query = qs.query
    ctx = query.QUERY_CLS.SQL_CONTEXT.copy(parameterizer=params.parameterizer)
    where = query._wheres
    if not getattr(query, "_joins", None) and where is not None:
        table = query._from[0]
        saved, mark = table.alias, len(params.values)
        table.alias = alias
        try:
            return "(" + where.get_sql(ctx.copy(with_namespace=True)) + ")"
        except NotImplementedError:  # a term pypika renders only as a whole query
            del params.values[mark:]
        finally:
            table.alias = saved
    # Joins (``volunteer__...``) or such terms: the rows the whole filtered query selects.
    return f'"{alias}"."id" IN ({query.get_sql(ctx)})'
