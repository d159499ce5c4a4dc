"""Test fixtures: one migrated and seeded database per run, fresh empty ones on demand.

The engine is SQLite (a temporary file) unless KB_TEST_DATABASE_URL names a
PostgreSQL server; then each database the tests need is created on that server
and dropped afterwards, so the database in the URL itself is never modified.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from app.core.config import PROJECT_ROOT, Settings
from app.core.db import create_db_engine
from app.core.migrations import upgrade
from app.main import create_app
from app.seed.loader import seed

DATA_DIR = PROJECT_ROOT / "data"
TEST_DATABASE_URL = os.environ.get("KB_TEST_DATABASE_URL", "")


class DatabaseFactory:
    """Hands out URLs of new, empty databases of the engine under test."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    @property
    def is_postgresql(self) -> bool:
        return TEST_DATABASE_URL.startswith("postgresql")

    def new_url(self) -> str:
        name = f"kbtest_{uuid.uuid4().hex[:12]}"
        if not self.is_postgresql:
            return f"sqlite:///{self.tmp_dir / (name + '.sqlite3')}"
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)

    def new_seeded_url(self) -> str:
        """A new database migrated to head and seeded with the real dataset."""
        url = self.new_url()
        upgrade(url)
        engine = create_db_engine(url)
        try:
            seed(engine, DATA_DIR)
        finally:
            engine.dispose()
        return url

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def seeded_url(databases: DatabaseFactory) -> str:
    """A database migrated to head and seeded with the real dataset (read-only for tests)."""
    return databases.new_seeded_url()


@pytest.fixture(scope="session")
def seeded_engine(seeded_url: str) -> Iterator[Engine]:
    engine = create_db_engine(seeded_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_url(databases: DatabaseFactory) -> str:
    """A new database with no tables at all."""
    return databases.new_url()


@pytest.fixture
def migrated_url(empty_url: str) -> str:
    upgrade(empty_url)
    return empty_url


@pytest.fixture(scope="session")
def app(seeded_url: str) -> FastAPI:
    """The application without its response cache, so every test exercises the full
    read path; tests/api/test_response_cache.py covers the cache in front of it."""
    return create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR, cache_enabled=False))


@pytest.fixture
def own_app(databases: DatabaseFactory) -> tuple[FastAPI, str]:
    """An app of its own on a new seeded database, and the database's URL: its sessions
    are bound to its engine as in production (the shared ``app`` reads through one
    rolled-back transaction), so the fast paths read with their own reader."""
    url = databases.new_seeded_url()
    return create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False)), url


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _explicit_sqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy's recipe for SAVEPOINTs on pysqlite: the driver's own transaction
    handling is off and SQLAlchemy emits BEGIN itself. Without it the first SAVEPOINT
    opens SQLite's transaction and its RELEASE commits it, so an app session's writes
    would survive the outer rollback."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_kb_explicit_begin", False):
        return

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    engine.pool.dispose()  # connections opened before get the setting too
    engine._kb_explicit_begin = True  # type: ignore[attr-defined]


@contextmanager
def rolled_back(app: FastAPI) -> Iterator[Connection]:
    """Every session the app opens joins one outer transaction (as savepoints), which is
    rolled back at the end: whatever the block writes, nothing outlives it."""
    _explicit_sqlite_transactions(app.state.engine)
    connection = app.state.engine.connect()
    transaction = connection.begin()
    original = app.state.session_factory
    app.state.session_factory = sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )
    try:
        yield connection
    finally:
        app.state.session_factory = original
        transaction.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that use the shared seeded app run in a transaction that is rolled back."""
    if "app" not in request.fixturenames and "client" not in request.fixturenames:
        yield
        return
    app: FastAPI = request.getfixturevalue("app")
    with rolled_back(app):
        yield
