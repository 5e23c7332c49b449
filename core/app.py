"""The ASGI application: /graphql (GraphiQL on GET in a browser), /healthz, /readyz."""

from __future__ import annotations

import contextlib
import logging

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise import Tortoise
from tortoise.connection import connections

from core.api.context import Context
from core.api.schema import Runtime, build_runtime
from core.auth import bearer_token, viewer_from_token
from core.db import close_db, init_db, migrate, tortoise_config
from core.permissions import Viewer
from core.settings import Settings, get_settings

log = logging.getLogger("lastmile.app")

GRAPHQL_RESPONSE = "application/graphql-response+json"


class LastmileGraphQL(GraphQL):
    """strawberry's ASGI view plus: our context, GraphQL-over-HTTP media types, token auth on websockets."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        super().__init__(
            runtime.schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=20,
            allowed_origins=tuple(runtime.settings.cors_origin_list),
        )

    async def get_context(self, request, response) -> Context:
        registry = self.runtime.host.registry
        auth_problem = None
        token = bearer_token(request.headers.get("authorization"))
        viewer = await viewer_from_token(token, self.runtime.settings, registry)
        if viewer is None:
            auth_problem = "The bearer token is invalid or expired, or the account is deactivated; sign in again."
            viewer = Viewer(registry=registry)
        context = Context(viewer=viewer, runtime=self.runtime, request=request, response=response)
        context.auth_problem = auth_problem
        request.state.graphql_context = context
        return context

    async def on_ws_connect(self, context: Context):
        from core.api.websocket import authenticate_connection

        return await authenticate_connection(self, context)

    async def process_result(self, request, result):
        # A request that never executed (syntax, validation) has no "data" key.
        if result.data is None and result.errors:
            request.state.request_error = True
        return await super().process_result(request, result)

    def create_response(self, response_data, sub_response):
        return super().create_response(response_data, sub_response)

    async def run(self, request, context=None, root_value=None):
        from strawberry.types.unset import UNSET

        response = await super().run(request, UNSET if context is None else context,
                                     UNSET if root_value is None else root_value)
        if isinstance(request, Request) and isinstance(response, Response) and not self.is_websocket_request(request):
            accept = request.headers.get("accept", "")
            if GRAPHQL_RESPONSE in accept and response.media_type == "application/json":
                response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
                if getattr(request.state, "request_error", False) and response.status_code == 200:
                    response.status_code = 400
        return response


class BodySizeLimit:
    """Refuses request bodies over the configured size with 413 before reading them."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _too_large(self.max_bytes)(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(self.max_bytes)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def _too_large(limit: int) -> Response:
    return JSONResponse(
        {"errors": [{"message": f"Request body larger than {limit} bytes.",
                     "extensions": {"code": "PAYLOAD_TOO_LARGE"}}]},
        status_code=413,
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def readyz(request: Request) -> Response:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # any failure means "not ready"
        log.warning("readiness check failed: %s", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None, manage_db: bool = True,
               apply_migrations: bool = True) -> Starlette:
    """The ASGI app. ``manage_db=False`` when the caller (tests) owns the database connection."""
    settings = settings or get_settings()
    runtime = runtime or build_runtime(settings)
    view = LastmileGraphQL(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if manage_db:
            config = tortoise_config(settings.database_url, runtime.host.tortoise_apps())
            if apply_migrations:
                await migrate(config)
                await Tortoise.close_connections()
            await init_db(config)
        await runtime.bus.start()
        try:
            yield
        finally:
            await runtime.bus.stop()
            if manage_db:
                await close_db()

    middleware = [Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)]
    if settings.cors_origin_list:
        middleware.append(Middleware(
            CORSMiddleware, allow_origins=settings.cors_origin_list, allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"], max_age=600,
        ))
    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
