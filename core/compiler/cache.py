"""Compiled operations, remembered per (document, operation, variables, viewer, day, database).

The SQL text and its bound values depend only on those: the viewer's grants
give the scope conditions, the variables the filters and pages, the day the
ages. A build whose filters read data (an ``areaId`` looked up to find its
level) is not remembered: the data may change.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import orjson
from graphql import DocumentNode


@dataclass
class OperationPlan:
    sql: str | None  # None: nothing compiled
    values: list
    order: list[str]  # response keys of the root fields, in response order
    compiled: frozenset[str]  # keys answered by the statement
    fields: list[str] = field(default_factory=list)
    fallbacks: list[dict] = field(default_factory=list)
    # The document graphql-core executes for the rest (None when everything compiled).
    rest: DocumentNode | None = None
    # Fields inside compiled rows that their resolvers answer (core.compiler.build.Deferred),
    # and what is needed to add their node(id) lookups to the rest of the operation.
    deferred: list = field(default_factory=list)
    document: DocumentNode | None = None
    operation: object = None
    # True when the answer holds lists of non-objects: counted by walking the decoded JSON.
    scalar_lists: bool = False


def viewer_key(viewer) -> tuple:
    return (
        viewer.user_id,
        viewer.is_superuser,
        tuple(viewer.grants),
        viewer.resident_id,
        viewer.resident_unit_id,
        tuple(viewer.resident_lineage),
    )


def plan_key(
    query: str | None, operation: str | None, variables: dict | None, viewer, dialect: str
) -> tuple | None:
    if query is None:
        return None
    try:
        vars_key = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (query, operation, vars_key, viewer_key(viewer), dt.date.today(), dialect)


_CACHES: weakref.WeakSet = weakref.WeakSet()


def forget_all() -> None:
    """Drop every remembered plan (after the database was wiped and ids restart, as tests do)."""
    for cache in list(_CACHES):
        cache.clear()


class PlanCache:
    def __init__(self, size: int = 512):
        self.size = size
        self._plans: OrderedDict[tuple, OperationPlan] = OrderedDict()
        # (document, operationName) of the plans answered by their statement alone: the fast path
        # (core/compiler/fast.py) looks no further for any other request. Bounded like the plans.
        self.whole_documents: set[tuple] = set()
        _CACHES.add(self)

    def clear(self) -> None:
        self._plans.clear()
        self.whole_documents.clear()

    def get(self, key) -> OperationPlan | None:
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
        return plan

    def put(self, key, plan: OperationPlan) -> None:
        if plan.sql is not None and plan.rest is None and not plan.deferred and not plan.scalar_lists:
            if len(self.whole_documents) >= 4 * self.size:
                self.whole_documents.clear()
            self.whole_documents.add(key[:2])
        self._plans[key] = plan
        self._plans.move_to_end(key)
        while len(self._plans) > self.size:
            self._plans.popitem(last=False)
