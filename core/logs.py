"""Logging set-up (structlog): JSON lines in production, a plain console format in development.

Every record, ours and the libraries' (uvicorn, tortoise, strawberry) alike, goes through one
stdlib handler whose structlog formatter renders it; values bound with
``structlog.contextvars`` (the request id, the user id, the operation) are added to every
line written while an operation runs, so an error logged deep inside carries them too.

``log_operation`` writes the one line per GraphQL operation: request id, user id, operation
name and type, outcome, duration, SQL statements and error codes. Client mistakes (validation,
UNAUTHENTICATED, limits, userErrors) are INFO; only failures of the service itself are ERROR.
"""

from __future__ import annotations

import logging
import sys

import structlog

_HANDLER_FLAG = "_lastmile_handler"
# Codes that mean the service failed, not the client: only these make an operation's line ERROR.
SERVER_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}


def _shared_processors(foreign: bool = False) -> list:
    return [
        structlog.contextvars.merge_contextvars,
        # A stdlib record's `extra={...}` fields become keys of the line.
        *([structlog.stdlib.ExtraAdder(), _drop_color_message] if foreign else []),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(fmt: str = "console", level: str = "INFO", stream=None) -> logging.Handler:
    """Route every log record through structlog's renderer; returns the handler it installed
    (replacing one it installed before)."""
    if fmt not in ("json", "console"):
        raise ValueError(f"unknown log format {fmt!r}: json or console")
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        # Plain tracebacks: with rich installed (the import command's progress bar) structlog
        # would print rich ones with every local variable, hundreds of KB per error.
        else structlog.dev.ConsoleRenderer(
            colors=False, sort_keys=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(foreign=True),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if fmt == "json" else _keep,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_FLAG, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_FLAG, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def _drop_color_message(_logger, _name, event_dict):
    event_dict.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    return event_dict


def _keep(_logger, _name, event_dict):
    return event_dict


def remove_handler(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    structlog.reset_defaults()


def log_operation(
    *,
    request_id: str,
    user_id: int | None,
    operation: str | None,
    operation_type: str | None,
    outcome: str,
    seconds: float,
    statements: int,
    codes: list[str],
) -> None:
    level = logging.ERROR if SERVER_CODES.intersection(codes) else logging.INFO
    # A stdlib logger with `extra`: without configure_logging (tests, embedding) it stays quiet
    # where structlog's own default would print every line.
    _request_log.log(
        level,
        "graphql operation",
        extra={
            "request_id": request_id,
            "user_id": user_id,
            "operation": operation,
            "operation_type": operation_type,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 2),
            "statements": statements,
            "error_codes": sorted(set(codes)) or None,
        },
    )


_request_log = logging.getLogger("lastmile.request")
