"""Typed settings, read once from ``KB_*`` environment variables; invalid values fail fast."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'kb.sqlite3'}",
        description="SQLAlchemy URL of the database (SQLite file or postgresql+psycopg://...).",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder holding article.txt and curated/*.yaml.",
    )
    cors_origins: list[str] = Field(
        default=["*"], description="Origins allowed to read the API from a browser (JSON list)."
    )
    cache_max_age: int = Field(
        default=60, ge=0, description="Seconds in the Cache-Control max-age of every GET answer."
    )
    cache_enabled: bool = Field(
        default=True, description="Serve repeat GETs from an in-memory cache of response bytes."
    )
    cache_max_entries: int = Field(default=10_000, ge=1, description="Most responses cached.")
    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Most bytes of cached response bodies."
    )
    revision_check_interval: float = Field(
        default=1.0,
        ge=0,
        description="Seconds between checks of the dataset revision (cache invalidation).",
    )
    log_level: str = Field(default="info", description="Log level of the server.")
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry instrumentation, through the configured providers.",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement.")
    # Hostile clients (app/core/limits.py): each limit is checked before any work is done.
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="Public URL of the API, used in the reconciliation manifest (never Host).",
    )
    allowed_hosts: list[str] = Field(
        default=["*"],
        description="Host header values served (JSON list; '*.example.org' allowed); others 400.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body (413), checked as read."
    )
    max_url_bytes: int = Field(
        default=16 * 1024, ge=1024, description="Longest request target, path and query (414)."
    )
    max_header_bytes: int = Field(
        default=32 * 1024, ge=1024, description="Most bytes of request headers in total (431)."
    )
    max_header_count: int = Field(default=100, ge=8, description="Most request headers (431).")
    max_json_depth: int = Field(
        default=32, ge=4, description="Deepest nesting of a reconciliation batch's JSON (422)."
    )
    max_json_number_digits: int = Field(
        default=50, ge=16, le=4000, description="Most digits in a JSON number of a batch (422)."
    )
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a client has to send a request's headers."
    )
    body_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a client has to send a request's body (408)."
    )
    keep_alive_timeout: int = Field(
        default=5, ge=1, description="Seconds an idle keep-alive connection is kept open."
    )
    max_connections: int = Field(
        default=2048, ge=16, description="Open connections per worker; beyond it uvicorn 503s."
    )
    reconcile_time_budget: float = Field(
        default=30.0, gt=0, description="Seconds a reconciliation request may take (503)."
    )
    # Curation (app/curation, app/core/rate_limit.py).
    write_rate_limit: str = Field(
        default="120/minute",
        description="Writes allowed per API key (per client IP without one), in `limits` "
        "notation: 120/minute, 10/second; per process unless the storage is shared.",
    )
    rate_limit_storage: str = Field(
        default="async+memory://",
        description="Where write counts are kept: async+memory:// (per process) or "
        "async+redis://host:6379/0 (shared by every process and machine).",
    )
    # Start-up (app/core/migrations.py): migrations and the first seed hold a lock.
    startup_lock_timeout: float = Field(
        default=600.0,
        gt=0,
        description="Seconds a start-up waits for another's migration or seed lock before failing.",
    )
    # Database faults (app/core/db.py, app/health.py): the server's timeouts, 0 for none.
    database_connect_timeout: float = Field(
        default=3.0, ge=0, description="Seconds to open a database connection (PostgreSQL: >= 2)."
    )
    database_statement_timeout: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a statement of the server may run (PostgreSQL statement_timeout, "
        "plus 1 s for a database that answers nothing; SQLite: interrupted).",
    )
    database_pool_timeout: float = Field(
        default=5.0, ge=0, description="Seconds a request waits for a pooled connection."
    )
    database_busy_timeout: float = Field(
        default=5.0, ge=0, description="SQLite: seconds a statement waits for a lock."
    )
    database_read_only: bool = Field(
        default=False,
        description="SQLite: open the file read-only (detected anyway when it cannot be written).",
    )
    ready_timeout: float = Field(
        default=2.0, gt=0, description="Seconds /ready waits for the database's answers."
    )
    retry_after: int = Field(
        default=5, ge=1, description="Seconds in the Retry-After of a 503 (database unavailable)."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
