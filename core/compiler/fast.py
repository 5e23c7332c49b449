"""The fast path: a read already answered whole by one compiled statement, answered again
without strawberry's pipeline.

A plan sits in the compiler's cache (core.compiler.cache) under (document, operation,
variables, viewer's scope, day, database) only after the normal path admitted exactly that
operation: it parsed and validated, passed the anonymous gate, the token, depth and alias
limits and the static cost, all of which depend on nothing else. When such a plan is *whole*
(every root field compiled, no field left to a resolver, no list of scalars to walk), the
answer is the statement's JSON text and nothing else runs on the normal path either: no
resolver, no DataLoader, no audit row (full personal data is never compiled, core_maps.py).
So this path only has to do what stays per request, the same way the normal path does it:

- the viewer from the bearer token (the same cached lookup), so a revoked token or changed
  grants take the normal path (a different plan key);
- the deadline and the object cap (core.api.budget), with the same errors;
- the statement count, the metrics, the operation's log line and the client-error lines
  (core.metrics, core.logs, core.api.failures), with the same fields;
- X-Request-ID, the media type and status rules of core.app, and the disconnect
  cancellation and the middlewares, which wrap this path as they wrap the normal one.

Anything else takes the normal path: GET, a batch, extensions (persisted queries), trusted
documents, a replica, the compiler's debug report, no or a refused token, an unknown plan, a
statement that fails (the normal path runs it again and falls back to the resolvers).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from types import SimpleNamespace

import orjson
import structlog
from graphql import ExecutionResult, GraphQLError

from core.api import budget as work
from core.compiler import execute
from core.compiler.cache import plan_key
from core.compiler.execute import connection, dialect_of

_KEYS = frozenset({"query", "variables", "operationName"})
_JSON = ("application/json", "application/json; charset=utf-8")


class _Refused(Exception):
    """The statement failed: nothing was answered, the normal path takes the request."""


class FastReads:
    def __init__(self, view):
        self.view = view
        runtime = view.runtime
        settings = runtime.settings
        self.runtime, self.settings = runtime, settings
        self.compiler = runtime.schema.compiler
        self.enabled = (
            settings.fast_reads
            and settings.compile_reads
            and not settings.compile_debug
            and not settings.read_database_url
            and view.persisted.trusted is None
        )
        self.answered = 0  # requests this path answered (tests tell the two paths apart by it)
        self._log_context = SimpleNamespace(operation_name=None, context=SimpleNamespace(runtime=runtime))

    def _plan(self, request, data, viewer, dialect):
        plan = self.compiler.plans.get(
            plan_key(
                data.get("query"), data.get("operationName"), data.get("variables"), viewer, dialect.name
            )
        )
        if (
            plan is None
            or plan.sql is None
            or plan.rest is not None
            or plan.deferred
            or plan.scalar_lists
            or plan.operation is None
        ):
            return None
        return plan

    async def answer(self, request):
        """The response, or None for the normal path (before anything was sent or counted)."""
        if not self.enabled or request.method != "POST":
            return None
        headers = request.headers
        accept = headers.get("accept", "")
        if (
            headers.get("content-type") not in _JSON
            or "multipart" in accept
            or "event-stream" in accept
            or headers.get("x-lastmile-compiled") is not None
        ):
            return None
        from core.auth import bearer_token, viewer_from_token

        token = bearer_token(headers.get("authorization"))
        if token is None:
            return None  # anonymous: the gate and its refusals are the normal path's
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if type(data) is not dict or not _KEYS.issuperset(data):
            return None
        query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
        if (
            type(query) is not str
            or not (variables is None or type(variables) is dict)
            or not (name is None or type(name) is str)
            or (query, name) in self.compiler.too_deep
        ):
            return None
        if (query, name) not in self.compiler.plans.whole_documents:
            return None  # never planned whole: not worth the viewer lookup
        try:
            viewer = await viewer_from_token(
                token, self.settings, self.runtime.host.registry, bus=self.runtime.bus
            )
        except Exception:  # noqa: BLE001 - the normal path answers the failure (503) as it always does
            return None
        # Looked up once per request: the normal path, if it takes over, uses this one.
        request.state.fast_viewer = (token, viewer)
        if viewer is None or not viewer.authenticated:
            return None
        conn = connection()
        plan = self._plan(request, data, viewer, dialect_of(conn))
        if plan is None:
            return None
        try:
            response = await self._run(request, plan, conn, viewer, name)
        except _Refused:
            return None
        self.answered += 1
        return response

    async def _run(self, request, plan, conn, viewer, name):
        from core import metrics
        from core.logs import log_operation

        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if _request_id_ok(incoming) else uuid.uuid4().hex
        op = plan.operation[0]
        stats, token = metrics.start_operation()
        # What OperationNameExtension tells the normal path's statistics.
        stats.operation = name or (op.name.value if op.name else None)
        stats.operation_type = "query"
        started = time.perf_counter()
        result = None
        refused = False
        bound = structlog.contextvars.bind_contextvars(request_id=request_id, user_id=viewer.user_id)
        try:
            result = await self._execute(request, plan, conn, stats)
        except _Refused:
            refused = True
            raise
        finally:
            metrics.end_operation(token)
            structlog.contextvars.reset_contextvars(**bound)
            if not refused:
                seconds = time.perf_counter() - started
                outcome = metrics.record_operation(name, result, seconds, stats)
                log_operation(
                    request_id=request_id,
                    user_id=viewer.user_id,
                    operation=name or stats.operation,
                    operation_type=stats.operation_type,
                    outcome=outcome,
                    seconds=seconds,
                    statements=stats.statements,
                    codes=stats.codes,
                )
        return await self._response(request, result, request_id)

    async def _execute(self, request, plan, conn, stats) -> ExecutionResult:
        """core.api.budget's OperationLimits around the compiled statement, as on the normal path."""
        settings = self.settings
        seconds = settings.operation_timeout_seconds
        scope = request.scope
        budget = work.WorkBudget(
            settings.max_resolved_objects, seconds, scope.setdefault("lastmile.resolved_objects", [0])
        )
        reset = work._current.set(budget)
        timeout = asyncio.timeout(seconds if seconds > 0 else None)
        error = None
        try:
            async with timeout:
                try:
                    raw = await execute.run_raw(conn, plan.sql, plan.values)
                except (asyncio.CancelledError, GraphQLError):
                    raise
                except Exception as exc:
                    raise _Refused from exc
                try:
                    work.charge(raw.count("{" if isinstance(raw, str) else b"{") - 1)
                except GraphQLError as exc:
                    if (exc.extensions or {}).get("code") not in (work.TIMEOUT, work.TOO_MANY_OBJECTS):
                        raise
        except TimeoutError:
            if not timeout.expired():
                raise
            error = work.timed_out(seconds)
        finally:
            work._current.reset(reset)
        if error is None and budget.exceeded:
            error = work.too_many_objects(budget.limit)
        if error is None and budget.timed_out:
            error = work.timed_out(seconds)
        if error is not None:
            result = ExecutionResult(data=None, errors=[error])
            # As on the normal path, where this error leaves strawberry's pipeline from
            # OperationLimits, so OperationNameExtension never tells the statistics the name and
            # type; a refusal the compiled read met itself (charge) is logged by it and again by
            # OperationLimits (two client-error lines), an expired deadline once.
            self._log_context.operation_name = stats.operation
            for _ in range(1 if timeout.expired() else 2):
                self.view.schema.process_errors(result.errors, self._log_context)
            stats.operation = stats.operation_type = None
            return result
        return ExecutionResult(data=orjson.Fragment(raw), errors=None)

    async def _response(self, request, result, request_id):
        from starlette.responses import Response

        from core.app import finish_response

        body = await self.view.process_result(request, result)
        response = Response(self.view.encode_json(body), status_code=200, media_type="application/json")
        response.headers["x-request-id"] = request_id
        return finish_response(request, response)


def _request_id_ok(value: str) -> bool:
    from core.app import _REQUEST_ID

    return _REQUEST_ID.fullmatch(value) is not None
