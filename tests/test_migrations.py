"""Migrations are the schema: no drift from the models, and a clean round trip."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from app.core.db import create_db_engine
from app.core.migrations import alembic_config, downgrade, upgrade
from app.models import Base


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    # alembic check raises if autogenerate would emit any operation.
    command.check(alembic_config(migrated_url))
    assert _tables(migrated_url) == set(Base.metadata.tables)


def test_downgrade_then_upgrade_round_trips(migrated_url: str) -> None:
    downgrade(migrated_url, "base")
    assert _tables(migrated_url) == set()
    upgrade(migrated_url)
    command.check(alembic_config(migrated_url))
    assert _tables(migrated_url) == set(Base.metadata.tables)
