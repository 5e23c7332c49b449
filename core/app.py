"""The ASGI application: /graphql (GraphiQL on GET in a browser), /healthz, /readyz."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import re
import time
import uuid

import orjson
import structlog
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise import Tortoise
from tortoise.connection import connections

from core.api.context import Context
from core.api.failures import UNAVAILABLE_MESSAGE, is_unavailable
from core.api.one_login import batch_problem
from core.api.schema import Runtime, build_runtime
from core.auth import bearer_token, viewer_from_token
from core.db import close_db, database_unavailable, init_db, migrate, tortoise_config
from core.disconnect import CancelOnDisconnect
from core.errors import Code
from core.permissions import Viewer
from core.settings import DEFAULT_SECRET, Settings, get_settings

log = logging.getLogger("lastmile.app")

GRAPHQL_RESPONSE = "application/graphql-response+json"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class LastmileGraphQL(GraphQL):
    """strawberry's ASGI view plus: our context, GraphQL-over-HTTP media types and status codes,
    JSON request errors, sequential batches, token auth on websockets."""

    def __init__(self, runtime: Runtime):
        from core.api.persisted import PersistedQueries

        self.runtime = runtime
        self.persisted = PersistedQueries.from_settings(runtime.settings)
        super().__init__(
            runtime.schema,
            # GraphiQL needs introspection, which production turns off.
            graphql_ide=None if runtime.settings.is_production else "graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=20,
            allowed_origins=tuple(runtime.settings.cors_origin_list),
            # importResidents takes a file (GraphQL multipart request spec). Off by default in
            # strawberry because of CSRF; here every request is authorised by a bearer token in a
            # header, which no cross-site form can send.
            multipart_uploads_enabled=True,
        )

    @property
    def graphql_ide_html(self) -> str:
        # The vendored GraphiQL (core/graphiql.py), not strawberry's page of CDN scripts.
        from core.graphiql import PAGE

        return PAGE

    async def get_context(self, request, response) -> Context:
        registry = self.runtime.host.registry
        auth_problem = None
        token = bearer_token(request.headers.get("authorization"))
        # The fast path (core/compiler/fast.py) may have looked the viewer up already.
        looked_up = getattr(getattr(request, "state", None), "fast_viewer", None)
        try:
            if looked_up is not None and looked_up[0] == token:
                viewer = looked_up[1]
            else:
                viewer = await viewer_from_token(token, self.runtime.settings, registry, bus=self.runtime.bus)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # Reading the account needs the database: answer 503 JSON, not the driver's error.
            log.warning("database unavailable while reading the viewer: %r", exc)
            raise ServiceUnavailable() from exc
        if viewer is None:
            auth_problem = (
                "The bearer token is invalid or expired, or the account is deactivated; sign in again."
            )
            viewer = Viewer(registry=registry)
        incoming = request.headers.get("x-request-id", "")
        # A proxy's or front-end's id ties our audit rows and logs to theirs.
        own_id = {"request_id": incoming} if _REQUEST_ID.fullmatch(incoming) else {}
        context = Context(
            viewer=viewer,
            runtime=self.runtime,
            request=request,
            response=response,
            auth_problem=auth_problem,
            **own_id,
        )
        if isinstance(response, Response):  # not on websockets: their headers are the request's
            response.headers["x-request-id"] = context.request_id
        request.state.graphql_context = context
        return context

    def decode_json(self, data: str | bytes) -> object:
        # strawberry answers 400 to a JSONDecodeError only; json.loads raises RecursionError on deep
        # nesting and UnicodeDecodeError on invalid UTF-8, which became plain-text 500s.
        try:
            return orjson.loads(data)  # fast; refuses nesting past 1024 and invalid UTF-8
        except orjson.JSONDecodeError:
            pass
        # What orjson refuses but JSON allows (a lone surrogate escape, "\ud800") reaches the
        # text checks, which answer a field-level INVALID_INPUT.
        try:
            return json.loads(data)
        except (RecursionError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise json.JSONDecodeError(f"not JSON: {type(exc).__name__}", "", 0) from exc

    def encode_json(self, data: object) -> str:
        # orjson: several times faster than json on large lists; keeps Chinese text as UTF-8.
        # Text, not bytes: websocket messages of graphql-transport-ws must be text frames.
        return orjson.dumps(data).decode()

    async def on_ws_connect(self, context: Context):
        from core.api.websocket import authenticate_connection

        return await authenticate_connection(self, context)

    async def parse_http_body(self, request_adapter):
        try:
            data = await super().parse_http_body(request_adapter)
        except (AttributeError, TypeError) as exc:  # a JSON body that is not an object (or list of objects)
            raise HTTPException(400, _SHAPE) from exc
        if isinstance(data, list) and not data:
            raise HTTPException(400, "An empty batch: send at least one operation.")
        # strawberry checks some of these types for a single operation (not operationName: a
        # `true` there reached the metrics as a label) and none for each one of a batch.
        for item in data if isinstance(data, list) else (data,):
            if not (
                isinstance(item.query, str | None)
                and isinstance(item.variables, dict | None)
                and isinstance(item.operation_name, str | None)
                and isinstance(item.extensions, dict | None)
            ):
                raise HTTPException(400, _SHAPE)
        if isinstance(data, list):
            problem = batch_problem([item.query for item in data], self.runtime.settings.max_tokens)
            if problem:
                raise CodedHTTPException(400, problem, Code.ONE_LOGIN_PER_REQUEST)
        return data

    async def execute_operation(
        self, request, request_adapter, request_data, context, root_value, sub_response
    ):
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        # strawberry runs a batch concurrently on one context; mutations then
        # interleave their transactions and events. Run the operations one
        # after the other, each with its own context (same viewer, same request id).
        request.state.batch = True
        results = []
        for data in request_data:
            own = Context(
                viewer=context.viewer,
                runtime=self.runtime,
                request=request,
                response=sub_response,
                request_id=context.request_id,
                auth_problem=context.auth_problem,
            )
            results.append(
                await self.execute_single(
                    request=request,
                    request_adapter=request_adapter,
                    sub_response=sub_response,
                    context=own,
                    root_value=root_value,
                    request_data=data,
                )
            )
        return results

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        from core import metrics
        from core.logs import log_operation

        stats, token = metrics.start_operation()
        started = time.perf_counter()
        result = None
        # Every line logged while the operation runs carries who asked and from which request.
        bound = structlog.contextvars.bind_contextvars(
            request_id=context.request_id, user_id=context.viewer.user_id
        )
        try:
            result = await self._execute_persisted(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            return result
        finally:
            metrics.end_operation(token)
            structlog.contextvars.reset_contextvars(**bound)
            seconds = time.perf_counter() - started
            outcome = metrics.record_operation(request_data.operation_name, result, seconds, stats)
            log_operation(
                request_id=context.request_id,
                user_id=context.viewer.user_id,
                operation=request_data.operation_name or stats.operation,
                operation_type=stats.operation_type,
                outcome=outcome,
                seconds=seconds,
                statements=stats.statements,
                codes=stats.codes,
            )

    async def _execute_persisted(
        self, request, request_adapter, sub_response, context, root_value, request_data
    ):
        from core.api.persisted import PersistedQueryRefused

        try:
            request_data = await self.persisted.resolve(request_data)
        except PersistedQueryRefused as refusal:
            return refusal.result()
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request_adapter.method == "GET":
                raise _MethodNotAllowed(
                    f"{exc.reason}: send {exc.__cause__.operation_type.value}s with POST."
                ) from exc
            raise

    async def process_result(self, request, result):
        response = await super().process_result(request, result)
        if _is_request_error(result):
            # The spec: an error before execution began means no "data" entry at all.
            response.pop("data", None)
            request.state.request_error = True
        if any(is_unavailable(e) for e in getattr(result, "errors", None) or ()):
            request.state.unavailable = True
        return response

    async def run(self, request, context=None, root_value=None):
        from strawberry.types.unset import UNSET

        if context is None and type(request) is Request and request.scope["type"] == "http":
            # A read whose compiled plan is cached and whole (core/compiler/fast.py).
            response = await self.fast.answer(request)
            if response is not None:
                return response
        try:
            response = await super().run(
                request, UNSET if context is None else context, UNSET if root_value is None else root_value
            )
        except HTTPException as exc:
            if not isinstance(request, Request):
                raise
            return _http_error(request, exc)
        if (
            isinstance(request, Request)
            and isinstance(response, Response)
            and not self.is_websocket_request(request)
        ):
            finish_response(request, response)
        return response

    @functools.cached_property
    def fast(self):
        from core.compiler.fast import FastReads

        return FastReads(self)


def finish_response(request: Request, response: Response) -> Response:
    """The status and media type rules of an HTTP answer (the normal path's and the fast path's)."""
    if getattr(request.state, "unavailable", False) and response.status_code == 200:
        # The database did not answer: a retryable 503, whatever else the result holds.
        response.status_code = 503
        response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    if _wants_graphql_response(request) and response.media_type == "application/json":
        response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        if (
            getattr(request.state, "request_error", False)
            and not getattr(request.state, "batch", False)
            and response.status_code == 200
        ):
            response.status_code = 400
    return response


_SHAPE = (
    "The request body must be a JSON object {query, variables, operationName, extensions} "
    "(query and operationName strings, variables and extensions objects), or an array of such objects."
)


class CodedHTTPException(HTTPException):
    """A request-level refusal with its own extensions.code instead of the status's."""

    def __init__(self, status: int, reason: str, code: str):
        super().__init__(status, reason)
        self.code = code


class _MethodNotAllowed(HTTPException):
    def __init__(self, reason: str):
        super().__init__(405, reason)


RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(HTTPException):
    """The database did not answer while the request was being prepared."""

    def __init__(self):
        super().__init__(503, UNAVAILABLE_MESSAGE)


def _is_request_error(result) -> bool:
    """Nothing executed: syntax, validation, variable coercion or the anonymous gate.
    Field errors always carry a path; these never do."""
    errors = getattr(result, "errors", None)
    return getattr(result, "data", None) is None and bool(errors) and all(not e.path for e in errors)


def _wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


_HTTP_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "SERVICE_UNAVAILABLE",
}


def _http_error(request: Request, exc: HTTPException) -> Response:
    """strawberry's request-level refusals as GraphQL-shaped JSON instead of plain text."""
    status, reason = exc.status_code, exc.reason
    if reason == "Too many operations":
        limit = request.app.state.runtime.settings.max_batch
        reason = f"Too many operations in one batch: at most {limit} are allowed (LASTMILE_MAX_BATCH)."
    elif reason == "Batching is not enabled":
        reason = "Batched requests are not accepted here."
    elif reason == "Unsupported content type":
        # JSON bodies, and multipart/form-data for uploads (importResidents).
        status, reason = (
            415,
            "Send the request with Content-Type: application/json (multipart/form-data for uploads).",
        )
    code = getattr(exc, "code", None) or _HTTP_CODES.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": reason, "extensions": {"code": code}}]}
    media = GRAPHQL_RESPONSE if _wants_graphql_response(request) else "application/json"
    response = JSONResponse(body, status_code=status)
    response.headers["content-type"] = f"{media}; charset=utf-8"
    if status == 405:
        response.headers["allow"] = "POST"
    if status == 503:
        response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return response


class BodySizeLimit:
    """Refuses request bodies over the configured size with 413 before reading them."""

    def __init__(self, app, max_bytes: int, upload_bytes: int | None = None):
        self.app = app
        self.max_bytes = self.body_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        # A multipart upload (a ledger file) may be larger than any JSON operation.
        upload = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.upload_bytes if upload else self.body_bytes
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await _too_large(limit)(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"Request body larger than {limit} bytes.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        },
        status_code=413,
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    timeout = request.app.state.runtime.settings.readyz_timeout
    try:
        # Bounded: a frozen database must make the probe fail, not hang the prober.
        await asyncio.wait_for(connections.get("default").execute_query("SELECT 1"), timeout)
    except Exception as exc:  # any failure means "not ready"
        log.warning("readiness check failed: %r", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


class LastResort:
    """Any exception that escapes the application becomes a JSON 500 with a code and an error id.

    GraphQL execution masks its own errors (core.api.security); this is for what
    happens around it (building the context, a middleware, a bug in a route), which
    Starlette would otherwise answer as plain-text "Internal Server Error"."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            response = internal_error_response(exc)
            if started:  # too late for a clean answer: let the server drop the connection
                raise
            await response(scope, receive, send)


def internal_error_response(exc: BaseException) -> Response:
    if database_unavailable(exc):
        log.warning("database unavailable: %r", exc)
        body = {"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}
        return JSONResponse(body, status_code=503, headers={"retry-after": str(RETRY_AFTER_SECONDS)})
    error_id = uuid.uuid4().hex[:12]
    log.error("error %s outside GraphQL execution", error_id, exc_info=exc)
    body = {
        "errors": [
            {
                "message": f"Internal error (id {error_id}).",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
            }
        ]
    }
    return JSONResponse(body, status_code=500)


async def _last_resort_handler(request: Request, exc: Exception) -> Response:
    """Starlette's outermost handler (ServerErrorMiddleware): for failures in the middlewares themselves."""
    return internal_error_response(exc)


class InsecureConfiguration(RuntimeError):
    """Production settings that must not serve real residents' data."""


def check_production(settings: Settings) -> None:
    """Refuse production with the default or a short secret: tokens and personal-data keys derive from it."""
    if not settings.is_production:
        return
    if settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32:
        raise InsecureConfiguration(
            "Refusing to start in production with the default or a short LASTMILE_SECRET_KEY "
            "(set at least 32 random characters)."
        )
    if settings.pii_key is not None and len(settings.pii_key) < 32:
        raise InsecureConfiguration(
            "Refusing to start in production with a LASTMILE_PII_KEY under 32 characters."
        )


def _operations_routes(settings: Settings, runtime: Runtime) -> list:
    """GraphiQL's assets and /metrics (issue 13): metrics on in development, in production only with a token."""
    from core import metrics
    from core.graphiql import asset_routes

    metrics.install_statement_counter()
    metrics.watch_bus(runtime.bus)
    # GraphiQL's own files, where the IDE is served (not in production: it needs introspection).
    routes = [] if settings.is_production else asset_routes()
    if not metrics.metrics_enabled(settings):
        return routes
    if settings.is_production and not settings.metrics_token:
        raise InsecureConfiguration(
            "Refusing to serve /metrics in production without LASTMILE_METRICS_TOKEN "
            "(set one, or LASTMILE_METRICS=false)."
        )
    return [*routes, Route("/metrics", metrics.metrics_endpoint(settings.metrics_token))]


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    manage_db: bool = True,
    apply_migrations: bool = True,
) -> Starlette:
    """The ASGI app. ``manage_db=False`` when the caller (tests) owns the database connection."""
    settings = settings or get_settings()
    check_production(settings)
    runtime = runtime or build_runtime(settings)
    view = LastmileGraphQL(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if manage_db:
            config = tortoise_config(settings.database_url, runtime.host.tortoise_apps())
            if apply_migrations:
                await migrate(config)
                await Tortoise.close_connections()
            await init_db(
                tortoise_config(
                    settings.database_url,
                    runtime.host.tortoise_apps(),
                    settings.read_database_url,
                    connect_timeout=settings.db_connect_timeout,
                    statement_timeout=settings.db_statement_timeout,
                )
            )
            if settings.gc_tuning:
                from core.gc_tuning import tune_for_serving

                tune_for_serving()
        await runtime.bus.start()
        scheduler = None
        if manage_db and settings.scheduler:
            from core.scheduled import Scheduler

            scheduler = Scheduler(runtime.host.scheduled_jobs(), bus=runtime.bus, host=runtime.host)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            await view.persisted.close()
            await runtime.bus.stop()
            if manage_db:
                await close_db()

    middleware = []
    if settings.cors_origin_list:
        # Outermost, so that refusals (413 included) carry the CORS headers a browser needs to read them.
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origin_list,
                allow_methods=["GET", "POST"],
                # Front-ends tie their logs to ours with X-Request-ID (and read ours back); Apollo
                # Client sends its name and version on every request.
                allow_headers=[
                    "authorization",
                    "content-type",
                    "accept",
                    "x-request-id",
                    "apollographql-client-name",
                    "apollographql-client-version",
                ],
                expose_headers=["x-request-id"],
                max_age=600,
            )
        )
    # Inside CORS, so that a browser can read the JSON 500 too.
    middleware.append(Middleware(LastResort))
    from core.ledgers.jobs import MAX_UPLOAD_BYTES
    from core.ledgers.routes import ledger_routes

    middleware.append(
        Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, upload_bytes=MAX_UPLOAD_BYTES)
    )
    app = Starlette(
        routes=[
            # A client that disconnects cancels its operation (core/disconnect.py).
            Route("/graphql", CancelOnDisconnect(view), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *_operations_routes(settings, runtime),
            *ledger_routes(),
            *runtime.host.http_routes(),
        ],
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={Exception: _last_resort_handler},
    )
    app.state.runtime = runtime
    app.state.graphql_view = view  # tests switch its fast path off to compare the two
    return app
