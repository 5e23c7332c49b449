"""Failures answered as coded GraphQL errors, and logged at the level they deserve.

- :class:`DatabaseUnavailableErrors`: a resolver that hits an unreachable or
  frozen database answers ``SERVICE_UNAVAILABLE`` (HTTP 503, see core.app),
  never the driver's message nor a masked internal error;
- :class:`SingleOperation`: a document with several operations and no
  ``operationName`` is an error (strawberry would run the first one);
- :func:`log_errors`: what strawberry's ``process_errors`` logs. Client errors
  (syntax, validation, bad variables, UNAUTHENTICATED, BAD_USER_INPUT ...) are
  INFO lines without the document, cut to :data:`MAX_LOGGED_CHARS` and
  sampled when they repeat faster than :data:`CLIENT_LINES_PER_WINDOW` per
  :data:`WINDOW_SECONDS`: probing must not fill the disk (issue 10 found 1 GB
  in 19 minutes). Unexpected errors stay ERROR with their traceback.
"""

from __future__ import annotations

import logging
import threading
import time

from graphql import ExecutionResult, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from core.db import database_unavailable

log = logging.getLogger("lastmile.errors")
client_log = logging.getLogger("lastmile.errors.client")

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = "The database is unavailable right now; retry in a few seconds."
MAX_LOGGED_CHARS = 300
CLIENT_LINES_PER_WINDOW = 20
WINDOW_SECONDS = 10.0


def unavailable_error(error: GraphQLError | None = None) -> GraphQLError:
    """The error a client gets instead of a driver's message when the database is not answering."""
    return GraphQLError(
        UNAVAILABLE_MESSAGE,
        nodes=error.nodes if error else None,
        source=error.source if error else None,
        positions=error.positions if error else None,
        path=error.path if error else None,
        extensions={"code": SERVICE_UNAVAILABLE},
    )


def is_unavailable(error: GraphQLError) -> bool:
    return bool(error.extensions) and error.extensions.get("code") == SERVICE_UNAVAILABLE


class DatabaseUnavailableErrors(SchemaExtension):
    """Turns errors caused by an unreachable database into ``SERVICE_UNAVAILABLE``.

    Listed after MaskUnexpectedErrors (extensions unwind in reverse), so it sees
    the driver's exception before production masking would hide it as internal."""

    def on_operation(self):
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [
                unavailable_error(e) if database_unavailable(e.original_error) else e for e in errors
            ]


class SingleOperation(SchemaExtension):
    """Refuses a document with several operations when the request names none.

    graphql-core refuses it ("Must provide operation name ..."), but strawberry
    passes the first operation's name on, so the first one would silently run."""

    def on_execute(self):
        ec = self.execution_context
        document = ec.graphql_document
        if (
            document is not None
            and getattr(ec, "_provided_operation_name", None) is None
            and sum(isinstance(d, OperationDefinitionNode) for d in document.definitions) > 1
        ):
            ec.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        "Must provide operationName: the document contains several operations.",
                        extensions={"code": "BAD_REQUEST"},
                    )
                ],
            )
        yield


# ------------------------------------------------------------------ logging


def _is_client_error(error: GraphQLError) -> bool:
    """Caused by the request, not by us: no original exception, or one meant for the client."""
    from core.api.security import _is_expected

    return _is_expected(error) or is_unavailable(error)


def _bounded(text: str) -> str:
    text = " ".join(text.split())  # one line, whatever the client sent
    return text if len(text) <= MAX_LOGGED_CHARS else text[:MAX_LOGGED_CHARS] + f"... ({len(text)} chars)"


class _Sampler:
    """At most ``limit`` lines per window; then one line saying how many were left out."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self.started, self.count, self.dropped = 0.0, 0, 0
        self.lock = threading.Lock()

    def admit(self) -> tuple[bool, int]:
        """(log this line?, lines dropped in the window that just closed)."""
        now = time.monotonic()
        with self.lock:
            dropped = 0
            if now - self.started >= self.window:
                dropped, self.started, self.count, self.dropped = self.dropped, now, 0, 0
            self.count += 1
            if self.count > self.limit:
                self.dropped += 1
                return False, dropped
            return True, dropped


_client_lines = _Sampler(CLIENT_LINES_PER_WINDOW, WINDOW_SECONDS)


def log_errors(errors: list[GraphQLError], execution_context=None) -> None:
    """strawberry's ``process_errors``: one bounded INFO line per client error, ERROR for the rest."""
    operation = getattr(execution_context, "operation_name", None) if execution_context else None
    for error in errors:
        if not _is_client_error(error):
            if database_unavailable(error.original_error):
                client_log.warning(
                    "database unavailable at %s: %s", error.path, _bounded(repr(error.original_error))
                )
                continue
            # Production masks it and logs it under its error id (MaskUnexpectedErrors); development logs it here.
            if not _masked_later(execution_context):
                log.error("%s at %s", _bounded(error.message), error.path, exc_info=error.original_error)
            continue
        admitted, dropped = _client_lines.admit()
        if dropped:
            client_log.info("%d client error line(s) left out in the last %.0fs", dropped, WINDOW_SECONDS)
        if admitted:
            code = (error.extensions or {}).get("code", "-")
            client_log.info(
                "client error %s in %s: %s",
                code,
                operation or "(anonymous operation)",
                _bounded(error.message),
            )


def _masked_later(execution_context) -> bool:
    context = getattr(execution_context, "context", None)
    runtime = getattr(context, "runtime", None)
    settings = getattr(runtime, "settings", None)
    return bool(settings is not None and settings.is_production)
