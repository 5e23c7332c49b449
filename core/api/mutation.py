"""Running a mutation: one transaction, userErrors on failure, events after commit.

Plugins use this too::

    return await run_mutation(info, lambda: service(...), DisputeCasePayload, "dispute_case")
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.types import Info
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import metrics, replica, viewer_cache
from core.api.types import UserError
from core.errors import ApiError, UserFailure, unauthenticated
from core.integrity import failure_for

log = logging.getLogger("lastmile.mutation")


def user_errors(failure: UserFailure, input_path: list[str] = ()) -> list[UserError]:
    """The payload's userErrors; logical field names (core.errors.UserFailure) placed below ``input_path``."""
    return [UserError(field=e.path(list(input_path)), message=e.message, code=e.code) for e in failure.errors]


def input_path(info: Info) -> list[str]:
    """Where a mutation's values are: below its ``input`` argument when it has one, else its arguments."""
    return ["input"] if info.get_argument_definition("input") is not None else []


def _fresh_loaders(context) -> None:
    # A script or a scheduled job passes a context without loaders: nothing was cached.
    refresh = getattr(context, "refresh_loaders", None)
    if refresh is not None:
        refresh()


async def in_mutation_transaction(context, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``work`` in one transaction; publish its events only once it commits.

    Either way the request's loaders start afresh afterwards: rows they cached before (or
    during) the change must not answer the payload, which reads what was written."""
    context.pending_events = []
    try:
        with viewer_cache.collecting() as viewers_changed, replica.on_primary():
            async with in_transaction():
                result = await work()
    except IntegrityError as exc:
        # A constraint caught a race the checks before it could not see.
        log.info("integrity error in mutation: %s", exc)
        context.pending_events = []
        _fresh_loaders(context)
        raise failure_for(exc) from exc
    except BaseException:
        context.pending_events = []
        _fresh_loaders(context)
        raise
    _fresh_loaders(context)
    events, context.pending_events = context.pending_events, []
    bus = getattr(context.runtime, "bus", None)
    await viewer_cache.announce(bus, viewers_changed)
    replica.note_write(context)
    for event in events:
        if bus is not None:
            await bus.publish(event)
            metrics.event_published(event.topic)
    return result


async def run_mutation(
    info: Info,
    work: Callable[[], Awaitable[Any]],
    payload: type,
    result_field: str | None,
    *,
    anonymous_ok: bool = False,
    **extra: Any,
):
    """Build ``payload(result_field=<work's result>, user_errors=[])``, or userErrors on failure."""
    context = info.context
    if not anonymous_ok and not context.viewer.authenticated:
        raise unauthenticated()
    try:
        result = await in_mutation_transaction(context, work)
    except UserFailure as failure:
        fields = {result_field: None} if result_field else {}
        return payload(**fields, user_errors=user_errors(failure, input_path(info)), **extra)
    except ApiError:
        raise
    fields = {result_field: result} if result_field else {}
    return payload(**fields, user_errors=[], **extra)
