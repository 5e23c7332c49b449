"""Deployment settings, read from the environment (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-secret-change-me-before-production"


class Settings(BaseSettings):
    """Every knob a district sets when it deploys lastmile."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default="sqlite://lastmile.sqlite3", alias="DATABASE_URL")
    plugins: str | None = Field(
        default=None,
        alias="LASTMILE_PLUGINS",
        description="Comma-separated plugin names, e.g. mediation,volunteers; 'all' (or unset) enables every built-in, '' none.",
    )
    plugins_file: str | None = Field(default=None, alias="LASTMILE_PLUGINS_FILE")
    secret_key: str = Field(default=DEFAULT_SECRET, alias="LASTMILE_SECRET_KEY")
    pii_key: str | None = Field(
        default=None,
        alias="LASTMILE_PII_KEY",
        description="Key material for personal-data encryption; derived from the secret key when unset.",
    )
    env: Literal["development", "production"] = Field(default="development", alias="LASTMILE_ENV")
    redis_url: str | None = Field(default=None, alias="LASTMILE_REDIS_URL")
    token_ttl_minutes: int = Field(default=12 * 60, alias="LASTMILE_TOKEN_TTL_MINUTES")
    cors_origins: str = Field(default="", alias="LASTMILE_CORS_ORIGINS")
    max_query_depth: int = Field(default=20, alias="LASTMILE_MAX_QUERY_DEPTH")
    max_aliases: int = Field(default=30, alias="LASTMILE_MAX_ALIASES")
    max_tokens: int = Field(default=5000, alias="LASTMILE_MAX_TOKENS")
    max_batch: int = Field(default=10, alias="LASTMILE_MAX_BATCH")
    max_body_bytes: int = Field(default=256 * 1024, alias="LASTMILE_MAX_BODY_BYTES")
    max_page_size: int = Field(default=500, alias="LASTMILE_MAX_PAGE_SIZE")
    login_max_failures: int = Field(default=5, alias="LASTMILE_LOGIN_MAX_FAILURES")
    login_lock_seconds: int = Field(default=300, alias="LASTMILE_LOGIN_LOCK_SECONDS")
    # Personal data (docs/security.md): neutral ID_NUMBER_UNAVAILABLE refusals one account may
    # receive in 24 hours before every ID number it enters is refused with RATE_LIMITED.
    id_number_refusals_per_day: int = Field(default=10, alias="LASTMILE_ID_REFUSALS_PER_DAY")
    # Bounded work per request (docs/security.md, "Bounded work"): static cost before
    # execution, then a deadline and a cap on resolved objects while it runs.
    max_query_cost: int = Field(default=50_000, alias="LASTMILE_MAX_QUERY_COST")
    max_query_cost_resident: int = Field(default=10_000, alias="LASTMILE_MAX_QUERY_COST_RESIDENT")
    cost_list_size: int = Field(default=10, alias="LASTMILE_COST_LIST_SIZE")
    operation_timeout_seconds: float = Field(default=10.0, alias="LASTMILE_OPERATION_TIMEOUT_SECONDS")
    max_resolved_objects: int = Field(default=50_000, alias="LASTMILE_MAX_RESOLVED_OBJECTS")
    # Failures answered as JSON, not hangs (issue 10, item 7): how long a request may wait on the database and
    # on Redis before it is answered SERVICE_UNAVAILABLE (or, for Redis, the event goes to this process only).
    db_connect_timeout: float = Field(
        default=5.0,
        alias="LASTMILE_DB_CONNECT_TIMEOUT",
        description="Seconds to open a PostgreSQL connection.",
    )
    db_statement_timeout: float = Field(
        default=15.0,
        alias="LASTMILE_DB_STATEMENT_TIMEOUT",
        description="Seconds one SQL statement may run (server and client side).",
    )
    readyz_timeout: float = Field(
        default=3.0,
        alias="LASTMILE_READYZ_TIMEOUT",
        description="Seconds /readyz waits for the database before answering 503.",
    )
    redis_publish_timeout: float = Field(
        default=1.0,
        alias="LASTMILE_REDIS_PUBLISH_TIMEOUT",
        description="Seconds one publish to Redis may take (off the request path).",
    )

    # --- Login under attack (docs/security.md, "Accounts and sign-in") ---
    login_max_failures_per_address: int = Field(
        default=30,
        ge=1,
        alias="LASTMILE_LOGIN_MAX_FAILURES_PER_ADDRESS",
        description="Failed sign-ins one client address may make per window before it is refused (RATE_LIMITED).",
    )
    trusted_proxies: str = Field(
        default="",
        alias="LASTMILE_TRUSTED_PROXIES",
        description="Comma-separated proxy addresses or networks (CIDR) whose X-Forwarded-For is believed; none by default.",
    )
    password_hash_concurrency: int = Field(
        default=2,
        ge=1,
        alias="LASTMILE_PASSWORD_HASH_CONCURRENCY",
        description="argon2 hashes or verifications running at once (in a thread pool, off the event loop).",
    )
    password_hash_wait_seconds: float = Field(
        default=3.0,
        ge=0,
        alias="LASTMILE_PASSWORD_HASH_WAIT_SECONDS",
        description="How long a sign-in waits for a free argon2 slot before it is refused with RATE_LIMITED.",
    )
    password_min_score: int = Field(
        default=3,
        ge=0,
        le=4,
        alias="LASTMILE_PASSWORD_MIN_SCORE",
        description="Least zxcvbn strength score (0-4) a new password needs.",
    )

    # -- compiled reads (core.compiler): one SQL statement per root field
    compile_reads: bool = Field(default=True, alias="LASTMILE_COMPILE_READS")
    compile_debug: bool = Field(default=False, alias="LASTMILE_COMPILE_DEBUG")
    # A repeated read whose cached plan is whole skips strawberry's pipeline (core/compiler/fast.py);
    # false measures (or rules out) it.
    fast_reads: bool = Field(default=True, alias="LASTMILE_FAST_READS")

    # Time-driven work (core.scheduled).
    scheduler: bool = Field(
        default=True,
        alias="LASTMILE_SCHEDULER",
        description="Run the plugins' scheduled jobs in this process (one run per period across all instances).",
    )

    # Read performance (issue 11): viewer cache, garbage collector, read replica.
    viewer_cache_seconds: float = Field(
        default=60,
        alias="LASTMILE_VIEWER_CACHE_SECONDS",
        description="How long a signed-in viewer (account and grants) is kept in memory at most; 0 turns it off.",
    )
    gc_tuning: bool = Field(
        default=True,
        alias="LASTMILE_GC_TUNING",
        description="Freeze start-up objects out of the garbage collector and collect young objects less often.",
    )
    read_database_url: str | None = Field(
        default=None,
        alias="LASTMILE_READ_DATABASE_URL",
        description="A read-only copy (replica) of the database for queries; mutations use DATABASE_URL.",
    )
    read_after_write_seconds: float = Field(
        default=5,
        alias="LASTMILE_READ_AFTER_WRITE_SECONDS",
        description="After a viewer's mutation, their reads go to the primary for this long (same process).",
    )

    # Operations (issue 13): the district's calendar.
    time_zone: str = Field(
        default="Asia/Shanghai",
        alias="LASTMILE_TIME_ZONE",
        description="IANA time zone of the district: what 'today' and a local date mean (core.clock).",
    )

    # Operations (issue 13): persisted queries (core/api/persisted.py).
    apq_enabled: bool = Field(
        default=True,
        alias="LASTMILE_APQ",
        description="Accept Apollo's automatic persisted queries (hash first, the query on PersistedQueryNotFound).",
    )
    apq_cache_size: int = Field(
        default=10_000,
        alias="LASTMILE_APQ_CACHE_SIZE",
        description="Documents each process remembers when LASTMILE_REDIS_URL is unset (Redis is shared otherwise).",
    )
    trusted_documents: str | None = Field(
        default=None,
        alias="LASTMILE_TRUSTED_DOCUMENTS",
        description="A persisted-query manifest from the front-end build; when set only its operations run.",
    )

    # Operations (issue 13): metrics (core/metrics.py).
    metrics_enabled: bool | None = Field(
        default=None,
        alias="LASTMILE_METRICS",
        description="Serve /metrics (Prometheus); unset: on in development, off in production.",
    )
    metrics_token: str | None = Field(
        default=None,
        alias="LASTMILE_METRICS_TOKEN",
        description="Bearer token /metrics requires; production serves metrics only with one.",
    )

    # Operations (issue 13): logs (core/logs.py).
    log_format: Literal["json", "console"] | None = Field(
        default=None,
        alias="LASTMILE_LOG_FORMAT",
        description="json (one JSON object a line) or console; unset: json in production, console in development.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LASTMILE_LOG_LEVEL"
    )

    @property
    def log_format_in_use(self) -> str:
        return self.log_format or ("json" if self.is_production else "console")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as exc:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError for odd keys
            raise ValueError(f"not an IANA time zone (e.g. Asia/Shanghai): {value!r}") from exc
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def plugin_names(self) -> list[str] | None:
        """Names the deployment asked for; None means 'all built-ins'."""
        raw = self.plugins
        if self.plugins_file:
            with open(self.plugins_file, encoding="utf-8") as fh:
                raw = ",".join(line.split("#", 1)[0].strip() for line in fh if line.split("#", 1)[0].strip())
        if raw is None or raw.strip() == "all":
            return None
        return [p.strip() for p in raw.split(",") if p.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
