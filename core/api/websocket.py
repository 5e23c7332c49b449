"""Authenticating graphql-transport-ws connections with the connection_init payload."""

from __future__ import annotations

from core.auth import bearer_token, viewer_from_token


async def authenticate_connection(view, context):
    """Called on connection_init: ``{"Authorization": "Bearer <token>"}`` (or ``token``) in the payload.

    A bad token closes the socket with 4403 (Forbidden), as the protocol says."""
    payload = context.connection_params if hasattr(context, "connection_params") else None
    payload = payload or {}
    raw = payload.get("Authorization") or payload.get("authorization")
    token = bearer_token(raw) if raw else payload.get("token")
    if token is None:
        header = context.request.headers.get("authorization") if context.request is not None else None
        token = bearer_token(header)
    if token is None:
        return None
    viewer = await viewer_from_token(token, view.runtime.settings, view.runtime.host.registry)
    if viewer is None:
        raise PermissionError("invalid token")
    context.viewer = viewer
    context.loaders.viewer = viewer
    return None
