"""Migrations are the schema: no drift from the models, and a clean round trip."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, insert, inspect, text

from app.core.db import create_db_engine
from app.core.migrations import alembic_config, downgrade, upgrade
from app.models import Base
from app.seed.loader import seed
from tests.conftest import DATA_DIR


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


FIXTURE = Path(__file__).parent / "fixtures" / "database_at_0004.json"
PREVIOUS_HEAD = "0004"


def _load_previous_head(url: str) -> dict[str, list[dict[str, Any]]]:
    """A database at the previous migration head, holding what that code's seed wrote."""
    dump = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert dump["alembic_version"] == PREVIOUS_HEAD
    upgrade(url, PREVIOUS_HEAD)
    engine = create_db_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as conn:
            for table, rows in dump["tables"].items():
                if table == "dataset_revision":
                    rows = [
                        {**r, "updated_at": dt.datetime.fromisoformat(r["updated_at"])}
                        for r in rows
                    ]
                conn.execute(insert(metadata.tables[table]), rows)
    finally:
        engine.dispose()
    return dict(dump["tables"])


def _ids(engine: Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(text(f"SELECT id FROM {table}"))}


def test_upgrade_from_the_previous_head_keeps_every_row(empty_url: str) -> None:
    before = _load_previous_head(empty_url)
    upgrade(empty_url)
    command.check(alembic_config(empty_url))
    engine = create_db_engine(empty_url)
    try:
        for table, rows in before.items():
            if table != "dataset_revision":
                assert _ids(engine, table) == {r["id"] for r in rows}, table
        with engine.connect() as conn:
            unowned = conn.execute(
                text("SELECT count(*) FROM alias WHERE document_id IS NULL OR natural_key IS NULL")
            ).scalar()
            versions = conn.execute(text("SELECT DISTINCT version FROM entity")).scalars().all()
        assert unowned == 0
        assert versions == [1]
    finally:
        engine.dispose()


def test_seeding_an_upgraded_database_keeps_entity_citation_and_fact_ids(empty_url: str) -> None:
    before = _load_previous_head(empty_url)
    upgrade(empty_url)
    engine = create_db_engine(empty_url)
    try:
        seed(engine, DATA_DIR)
        # Entities and citations the article still names keep their ids; facts the
        # reseed still holds keep the ids the previous schema gave them.
        assert {r["id"] for r in before["citation"]} <= _ids(engine, "citation")
        kept_entities = {r["id"] for r in before["entity"]} & _ids(engine, "entity")
        assert len(kept_entities) >= len(before["entity"]) - 2
        kept_aliases = {r["id"] for r in before["alias"]} & _ids(engine, "alias")
        assert len(kept_aliases) >= len(before["alias"]) * 0.8
        with engine.connect() as conn:
            changes = conn.execute(text("SELECT count(*) FROM change")).scalar()
        assert changes == len(_ids(engine, "entity")) + len(
            {r["id"] for r in before["entity"]} - _ids(engine, "entity")
        )
    finally:
        engine.dispose()
