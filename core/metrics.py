"""Prometheus metrics (prometheus_client) and the per-request statistics logs share.

Served at /metrics in the Prometheus text format: GraphQL operations and their latency by
operation name and outcome, errors by code, SQL statements per operation, database pool
use, open subscriptions and events published. LASTMILE_METRICS turns the endpoint on or off
(default: on in development, off in production); LASTMILE_METRICS_TOKEN requires
``Authorization: Bearer <token>`` (production refuses to serve them without one).

One registry per process: with ``serve --workers N`` each worker answers for itself, so
scrape each worker (one process per container) rather than the shared port.
"""

from __future__ import annotations

import contextvars
import functools
import hmac
import re
import weakref
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from strawberry.extensions import SchemaExtension

REGISTRY = CollectorRegistry(auto_describe=True)

OPERATIONS = Counter(
    "lastmile_graphql_operations_total",
    "GraphQL operations answered, by operation name and outcome.",
    ["operation", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "lastmile_graphql_operation_duration_seconds",
    "Time to answer one GraphQL operation.",
    ["operation", "outcome"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter(
    "lastmile_graphql_errors_total",
    "GraphQL errors returned, by extensions.code.",
    ["code"],
    registry=REGISTRY,
)
STATEMENTS = Histogram(
    "lastmile_sql_statements_per_operation",
    "SQL statements one GraphQL operation sent to the database.",
    ["operation"],
    registry=REGISTRY,
    buckets=(0, 1, 2, 3, 5, 8, 13, 20, 50, 100, 200),
)
EVENTS = Counter(
    "lastmile_events_published_total",
    "Events published on the event bus after a mutation committed, by topic.",
    ["topic"],
    registry=REGISTRY,
)

# Operation names come from clients: only well-formed ones, and a bounded number of them,
# become label values (an attacker must not grow the scrape without end).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_NAMES = 500
_names_seen: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return "other"
    if name not in _names_seen:
        if len(_names_seen) >= MAX_OPERATION_NAMES:
            return "other"
        _names_seen.add(name)
    return name


# ---------------------------------------------------------------- per-operation statistics


@dataclass
class OperationStats:
    """What one operation cost; read by the metrics and by the request log line."""

    statements: int = 0
    codes: list[str] = field(default_factory=list)
    # From the document when the client sent no operationName (set by OperationNameExtension).
    operation: str | None = None
    operation_type: str | None = None


_current: contextvars.ContextVar[OperationStats | None] = contextvars.ContextVar(
    "lastmile_stats", default=None
)


def start_operation() -> tuple[OperationStats, contextvars.Token]:
    stats = OperationStats()
    return stats, _current.set(stats)


def end_operation(token: contextvars.Token) -> None:
    _current.reset(token)


def _counting(method):
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        stats = _current.get()
        if stats is not None:
            stats.statements += 1
        return await method(self, *args, **kwargs)

    wrapper._lastmile_counting = True
    return wrapper


_STATEMENT_METHODS = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)


def install_statement_counter() -> None:
    """Count the statements tortoise sends, per operation (a ContextVar follows the operation into
    its DataLoader tasks). Tortoise has no query hook: its clients' execute methods are wrapped,
    once, on the concrete classes (each defines its own)."""
    from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
    from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper

    for cls in (AsyncpgDBClient, TransactionWrapper, SqliteClient, SqliteTransactionWrapper):
        for name in _STATEMENT_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_lastmile_counting", False):
                setattr(cls, name, _counting(method))


class OperationNameExtension(SchemaExtension):
    """Tells the operation's statistics its name and type as the parsed document gives them."""

    def on_operation(self):
        yield
        stats = _current.get()
        if stats is None:
            return
        ec = self.execution_context
        try:
            stats.operation = ec.operation_name
            stats.operation_type = ec.operation_type.value
        except Exception:  # noqa: BLE001 - an unparsable document has neither
            pass


def error_code(error) -> str:
    code = (getattr(error, "extensions", None) or {}).get("code")
    if isinstance(code, str) and code:
        return code
    # graphql-core's own syntax and validation errors carry no code and no path.
    return "GRAPHQL_VALIDATION_FAILED" if not getattr(error, "path", None) else "INTERNAL_SERVER_ERROR"


def outcome_of(result) -> str:
    """ok; error (some fields failed); rejected (nothing ran: syntax, validation, a refusal)."""
    errors = getattr(result, "errors", None)
    if not errors:
        return "ok"
    if getattr(result, "data", None) is None and all(not e.path for e in errors):
        return "rejected"
    return "error"


def record_operation(name: str | None, result, seconds: float, stats: OperationStats) -> str:
    """Count one answered operation; returns its outcome."""
    label = operation_label(name or stats.operation)
    outcome = outcome_of(result)
    OPERATIONS.labels(label, outcome).inc()
    LATENCY.labels(label, outcome).observe(seconds)
    STATEMENTS.labels(label).observe(stats.statements)
    for error in getattr(result, "errors", None) or ():
        code = error_code(error)
        stats.codes.append(code)
        ERRORS.labels(code).inc()
    return outcome


def event_published(topic: str) -> None:
    EVENTS.labels(topic).inc()


# ---------------------------------------------------------------- read at scrape time


class _LiveCollector:
    """Database pool use and open subscriptions, read from the running apps when scraped."""

    def __init__(self):
        self.buses: weakref.WeakSet = weakref.WeakSet()

    def collect(self):
        subs = GaugeMetricFamily("lastmile_subscriptions_open", "GraphQL subscriptions open in this process.")
        subs.add_metric([], sum(bus.subscriber_count() for bus in list(self.buses)))
        yield subs
        pool = GaugeMetricFamily(
            "lastmile_db_pool_connections", "Database connections of this process's pool.", labels=["state"]
        )
        for state, value in _pool_use().items():
            pool.add_metric([state], value)
        yield pool


def _pool_use() -> dict[str, int]:
    try:
        from tortoise.connection import connections

        client = connections.get("default")
    except Exception:  # noqa: BLE001 - no database initialised (yet): nothing to report
        return {}
    raw = getattr(client, "_pool", None)
    if raw is not None and hasattr(raw, "get_size"):  # asyncpg
        size, idle = raw.get_size(), raw.get_idle_size()
        return {"max": raw.get_max_size(), "open": size, "idle": idle, "in_use": size - idle}
    if getattr(client, "_connection", None) is not None:  # SQLite: one connection
        return {"max": 1, "open": 1}
    return {}


_LIVE = _LiveCollector()
REGISTRY.register(_LIVE)


def watch_bus(bus) -> None:
    _LIVE.buses.add(bus)


def metrics_endpoint(token: str | None):
    """The /metrics handler; with ``token``, only requests bearing it are answered."""

    async def metrics(request: Request) -> Response:
        if token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
                return PlainTextResponse(
                    "metrics need Authorization: Bearer <LASTMILE_METRICS_TOKEN>\n",
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics


def metrics_enabled(settings) -> bool:
    return settings.metrics_enabled if settings.metrics_enabled is not None else not settings.is_production
