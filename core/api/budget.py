"""The second line of defence: a deadline and a cap on resolved objects.

The static cost (core.api.cost) refuses operations that *ask* for too much;
these bound what an admitted one may *do* when the data is larger than the
estimate (a household of 300, a list without a declared size):

- **a deadline per operation** (``LASTMILE_OPERATION_TIMEOUT_SECONDS``): when
  it passes, the operation is cancelled wherever it waits (a mutation's
  transaction rolls back) and answers ``extensions.code = TIMEOUT``;
- **a cap on resolved objects per request** (``LASTMILE_MAX_RESOLVED_OBJECTS``):
  every row a loader batch or a paginated query returns and every item of
  every list the executor completes is counted; past the cap the request
  stops with ``extensions.code = TOO_MANY_OBJECTS`` and no data. The
  deadline is checked at the same points, so a long stretch of synchronous
  work stops too.

Counting is one addition per loader batch and per list (not per field).
Anything that reads rows outside the loaders (a plugin's own query, another
executor) reports them with :func:`charge`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sized
from contextvars import ContextVar

from graphql import GraphQLError, OperationType
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.settings import Settings

TIMEOUT = "TIMEOUT"
TOO_MANY_OBJECTS = "TOO_MANY_OBJECTS"


class WorkBudget:
    """What the running operation may still do; shared by everything it runs."""

    __slots__ = ("deadline", "exceeded", "limit", "tally", "timed_out")

    def __init__(self, limit: int, seconds: float, tally: list[int] | None = None):
        self.limit = limit
        self.deadline = time.monotonic() + seconds if seconds > 0 else None
        # One counter per HTTP request: the operations of a batch share it.
        self.tally = tally if tally is not None else [0]
        self.exceeded = False
        self.timed_out = False

    def charge(self, n: int) -> None:
        self.tally[0] += n
        if self.tally[0] > self.limit:
            self.exceeded = True
            raise too_many_objects(self.limit)
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.timed_out = True
            raise timed_out()


_current: ContextVar[WorkBudget | None] = ContextVar("lastmile_work_budget", default=None)


def charge(n: int) -> None:
    """Count ``n`` resolved objects against the running operation (no-op outside one)."""
    budget = _current.get()
    if budget is not None and n:
        budget.charge(n)


def charge_rows(rows) -> None:
    """Count a loader batch's result: each row, each item of a per-key list."""
    budget = _current.get()
    if budget is None:
        return
    n = 0
    for value in rows:
        if isinstance(value, list):
            n += len(value)
        elif value is not None and not isinstance(value, int | float | str):
            n += 1
    if n:
        budget.charge(n)


def too_many_objects(limit: int) -> GraphQLError:
    return GraphQLError(
        f"The request resolved more than {limit} objects and was stopped: ask for smaller pages "
        "(LASTMILE_MAX_RESOLVED_OBJECTS).",
        extensions={"code": TOO_MANY_OBJECTS, "limit": limit},
    )


def timed_out(seconds: float | None = None) -> GraphQLError:
    limit = f" of {seconds:g} s" if seconds else ""
    return GraphQLError(
        f"The operation ran past its deadline{limit} and was stopped (LASTMILE_OPERATION_TIMEOUT_SECONDS).",
        extensions={"code": TIMEOUT},
    )


class CountingExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, counting the items of every list it completes.

    The result tree is where fan-out spends memory: ``unit { residents { unit {
    residents ...`` reads the same few rows again and again from the loaders'
    caches while the response grows geometrically."""

    def complete_list_value(self, return_type, field_details_list, info, path, result, *rest):
        if isinstance(result, Sized):
            charge(len(result))
        return super().complete_list_value(return_type, field_details_list, info, path, result, *rest)


def _request_tally(context) -> list[int] | None:
    scope = getattr(getattr(context, "request", None), "scope", None)
    if isinstance(scope, dict) and scope.get("type") == "http":
        return scope.setdefault("lastmile.resolved_objects", [0])
    return None  # a websocket operation counts on its own


def limits_extensions(settings: Settings) -> list:
    seconds = settings.operation_timeout_seconds

    class OperationLimits(SchemaExtension):
        """Runs the execution under the deadline and the object cap; outermost on_execute, so
        it covers every executor that runs inside it."""

        async def on_execute(self):
            ec = self.execution_context
            if ec.operation_type is OperationType.SUBSCRIPTION:
                # A stream lives for hours; its events are costed statically and small.
                yield
                return
            budget = WorkBudget(settings.max_resolved_objects, seconds, _request_tally(ec.context))
            token = _current.set(budget)
            timeout = asyncio.timeout(seconds if seconds > 0 else None)
            try:
                async with timeout:
                    yield
            except TimeoutError:
                if timeout.expired():
                    raise timed_out(seconds) from None
                raise
            finally:
                _current.reset(token)
            if budget.exceeded:
                raise too_many_objects(budget.limit)
            if budget.timed_out:
                raise timed_out(seconds)

    return [OperationLimits]
