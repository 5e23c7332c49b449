"""Authenticating graphql-transport-ws connections, and keeping them honest.

The token travels in the ``connection_init`` payload (browsers cannot set
headers on a websocket): ``{"Authorization": "Bearer <token>"}`` or
``{"token": "<token>"}``; an ``Authorization`` header on the upgrade request
works too. A bad token closes the socket with 4403 (Forbidden), as the
protocol says. No token at all is acknowledged as anonymous, and every
subscription then refuses with UNAUTHENTICATED.

A connection lives for hours, so the viewer is re-read from the token before
each event is delivered (:func:`refresh_viewer`): a deactivated account, an
expired token or a revoked role takes effect on the next event.
"""

from __future__ import annotations

from strawberry.exceptions import ConnectionRejectionError

from core.auth import bearer_token, viewer_from_token
from core.errors import ApiError, Code


def connection_token(context) -> str | None:
    """The bearer token of a websocket (or HTTP) operation, wherever the client put it."""
    payload = getattr(context, "connection_params", None) or {}
    if isinstance(payload, dict):
        raw = payload.get("Authorization") or payload.get("authorization")
        if isinstance(raw, str) and raw.strip():
            # Accept a bare token too: some clients send {"Authorization": "<token>"}.
            return bearer_token(raw) or (raw.strip() if " " not in raw.strip() else None)
        token = payload.get("token")
        if isinstance(token, str) and token.strip():
            return token.strip()
    request = getattr(context, "request", None)
    header = request.headers.get("authorization") if request is not None else None
    return bearer_token(header)


async def authenticate_connection(view, context):
    """Called by strawberry on ``connection_init``; raising ConnectionRejectionError closes with 4403."""
    payload = getattr(context, "connection_params", None)
    if payload is not None and not isinstance(payload, dict):
        raise ConnectionRejectionError()
    token = connection_token(context)
    if token is None:
        if context.auth_problem:
            # A malformed Authorization header on the upgrade request.
            raise ConnectionRejectionError()
        return None
    viewer = await viewer_from_token(token, view.runtime.settings, view.runtime.host.registry)
    if viewer is None or not viewer.authenticated:
        raise ConnectionRejectionError()
    context.sign_in(viewer)
    return None


def session_ended() -> ApiError:
    return ApiError(
        "The session ended (token expired, account deactivated); sign in again and resubscribe.",
        Code.UNAUTHENTICATED,
    )


async def refresh_viewer(context) -> None:
    """Re-read the viewer from the connection's token and give it fresh loaders.

    Raises UNAUTHENTICATED when the token expired or the account is gone, which
    ends the subscription."""
    runtime = context.runtime
    token = connection_token(context)
    viewer = await viewer_from_token(token, runtime.settings, runtime.host.registry) if token else None
    if viewer is None or not viewer.authenticated:
        raise session_ended()
    # Fresh loaders per event (sign_in): a loader caches rows, and a long-lived connection
    # must not serve yesterday's row or yesterday's scope.
    context.sign_in(viewer)
