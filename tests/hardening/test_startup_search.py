"""After an upgrade, start-up rebuilds the search tables when they are empty or out of date.

Failure 10 of issue 13: a database seeded at an old migration and upgraded served
empty search and reconciliation with 200, because nothing filled the search tables.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

import app.search.freshness
from app.core.config import Settings
from app.core.db import create_db_engine
from app.core.migrations import upgrade
from app.main import create_app
from app.seed.startup import start_up
from tests.conftest import DATA_DIR
from tests.test_migrations import _load_previous_head


def _scalar(url: str, sql: str) -> Any:
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _answers(url: str) -> tuple[list[str], list[str]]:
    """Entity ids found by search and by a reconciliation batch, through the API."""
    application = create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False))
    with TestClient(application) as client:
        search = client.get("/v1/search", params={"q": "Ainur Kurmanov"})
        assert search.status_code == 200, search.text
        batch = {"q0": {"query": "Almaty"}}
        reconcile = client.post("/v1/reconcile", data={"queries": json.dumps(batch)})
        assert reconcile.status_code == 200, reconcile.text
    return (
        [hit["id"] for hit in search.json()["items"]],
        [candidate["id"] for candidate in reconcile.json()["q0"]["result"]],
    )


def test_an_upgraded_old_database_gets_its_search_tables_rebuilt(empty_url: str) -> None:
    _load_previous_head(empty_url)  # seeded at 0004: no search rows were ever written
    upgrade(empty_url)
    assert _answers(empty_url) == ([], [])  # the failure: empty answers, with 200

    report = start_up(empty_url, DATA_DIR)  # what kb serve, seed and migrate run

    assert report.rebuilt == ("the search tables are empty", 89)
    found, reconciled = _answers(empty_url)
    assert found[0] == "ainur-kurmanov"
    assert reconciled[0] == "almaty"
    assert _scalar(empty_url, "SELECT version FROM search_index") == 1
    assert _scalar(empty_url, "SELECT count(*) FROM search_word") > 0
    # The stored bodies (migration 0009) were rebuilt too.
    assert report.restored == ("no body is stored", 89)
    # The revision moved (once per rebuild), so a running server's cache drops its
    # empty answers.
    assert _scalar(empty_url, "SELECT revision FROM dataset_revision") == 3
    # Current now: the next start only reads.
    assert start_up(empty_url, DATA_DIR).rebuilt is None


def test_a_new_index_format_rebuilds_once(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = start_up(migrated_url, DATA_DIR, seed_mode="always")
    assert report.rebuilt is None  # a fresh database: the seed indexes in the current format
    assert report.seeded is not None
    assert report.seeded.revision == 1
    assert start_up(migrated_url, DATA_DIR).rebuilt is None

    monkeypatch.setattr(app.search.freshness, "INDEX_FORMAT", 2)
    rebuilt = start_up(migrated_url, DATA_DIR).rebuilt
    assert rebuilt is not None
    assert rebuilt[0] == "the search tables are in format 1, not 2"
    assert _scalar(migrated_url, "SELECT version FROM search_index") == 2
    assert start_up(migrated_url, DATA_DIR).rebuilt is None


def test_emptied_search_tables_are_rebuilt(migrated_url: str) -> None:
    start_up(migrated_url, DATA_DIR, seed_mode="always")
    names = _scalar(migrated_url, "SELECT count(*) FROM search_name")
    engine = create_db_engine(migrated_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM search_token"))
        conn.execute(text("DELETE FROM search_name"))
    engine.dispose()

    rebuilt = start_up(migrated_url, DATA_DIR).rebuilt

    assert rebuilt is not None
    assert rebuilt[0] == "the search tables are empty"
    assert _scalar(migrated_url, "SELECT count(*) FROM search_name") == names
