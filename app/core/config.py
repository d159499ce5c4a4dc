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
    sql_echo: bool = Field(default=False, description="Log every SQL statement.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
