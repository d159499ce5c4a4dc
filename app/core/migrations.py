"""Run Alembic from code: ``kb migrate``, ``kb serve`` and the tests share this."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.core.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # Escape % for configparser interpolation (URLs may hold percent-encoded passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
