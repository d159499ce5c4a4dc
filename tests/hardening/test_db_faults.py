"""Database faults in process: honest /health and /ready, timeouts, 503 not 500, a
SQLite file never created by the server, read-only SQLite. The same faults against a
real ``kb serve`` are in test_db_processes.py (slow)."""

from __future__ import annotations

import inspect
import os
import socket
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.core.config import Settings
from app.core.db import (
    DEADLINE_GRACE,
    DatabaseTimeouts,
    create_db_engine,
    create_server_engine,
    database_info,
)
from app.core.errors import database_unavailable, install_error_handlers
from app.core.migrations import upgrade
from app.health import health, migration_heads
from app.main import create_app
from tests.conftest import DATA_DIR, DatabaseFactory
from tests.hardening.test_db_processes import Relay

FAST = DatabaseTimeouts(connect=2, statement=0.3, pool=0.5, busy=0.5)


def unreachable_url(databases: DatabaseFactory, tmp_path: Path) -> str:
    """A database that cannot be reached: a SQLite file that does not exist, or a
    PostgreSQL port nobody listens on."""
    if not databases.is_postgresql:
        return f"sqlite:///{tmp_path / 'missing' / 'kb.sqlite3'}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: connections are refused
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/kb"


def app_for(url: str, **settings: object) -> FastAPI:
    return create_app(
        Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False, **settings)  # type: ignore[arg-type]
    )


# --- /health and /ready ---------------------------------------------------------------------


def test_health_is_async_and_needs_nothing() -> None:
    # On the event loop, never the thread pool; no parameter, so no dependency and no
    # database.
    assert inspect.iscoroutinefunction(health)
    assert inspect.signature(health).parameters == {}


def test_ready_on_a_seeded_database(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "migration": ", ".join(sorted(migration_heads())),
        "read_only": False,
        "cache": None,  # the test app runs without the response cache
    }
    assert response.headers["cache-control"] == "no-store"


def test_ready_and_health_when_the_database_cannot_be_reached(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = unreachable_url(databases, tmp_path)
    client = TestClient(app_for(url, retry_after=7))  # no lifespan: it would read the database
    started = time.monotonic()
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert ready.headers["retry-after"] == "7"
    assert ready.json()["errors"][0]["loc"] == ["database"]
    response = client.get("/v1/people")
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "7"
    assert response.json()["type"].endswith("/database-unavailable")
    assert time.monotonic() - started < 3
    if not databases.is_postgresql:
        assert "does not exist" in ready.json()["detail"]
        assert not (tmp_path / "missing").exists()  # neither the file nor its folder


def test_ready_when_the_search_tables_are_empty(migrated_url: str) -> None:
    # An entity without its search rows, as a database seeded before migration 0002.
    engine = create_db_engine(migrated_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO entity (id, type, name) VALUES ('p', 'person', 'P')"))
    engine.dispose()
    response = TestClient(app_for(migrated_url)).get("/ready")
    assert response.status_code == 503
    assert response.json()["errors"][0]["loc"] == ["search"]
    assert "kb migrate" in response.json()["detail"]


def test_ready_when_the_schema_is_behind_or_missing(empty_url: str) -> None:
    create_db_engine(empty_url).dispose()  # an empty SQLite file, as `kb migrate` starts
    engine = create_db_engine(empty_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    client = TestClient(app_for(empty_url))
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["errors"][0]["loc"] == ["migration"]
    assert "no schema" in response.json()["detail"]

    upgrade(empty_url, "0006")
    response = client.get("/ready")
    assert response.status_code == 503
    assert "revision 0006" in response.json()["detail"]
    assert "kb migrate" in response.json()["detail"]


def test_ready_is_never_cached(databases: DatabaseFactory, migrated_url: str) -> None:
    sqlite_only(databases)
    path = Path(migrated_url.removeprefix("sqlite:///"))
    client = TestClient(
        create_app(Settings(database_url=migrated_url, data_dir=DATA_DIR, cache_enabled=True))
    )
    for _ in range(2):
        assert client.get("/ready").status_code == 200
    path.unlink()
    ready = client.get("/ready")
    assert ready.status_code == 503  # not the 200 of a moment ago
    assert ready.headers["cache-control"] == "no-store"


def test_ready_is_documented_with_its_503(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/ready"]["get"]
    assert set(operation["responses"]) == {"200", "503"}
    assert "Retry-After" in operation["responses"]["503"]["headers"]
    assert "application/problem+json" in operation["responses"]["503"]["content"]


# --- 503, not 500 ---------------------------------------------------------------------------


def test_database_errors_that_mean_unavailable_are_503() -> None:
    app = FastAPI()
    install_error_handlers(app)
    unavailable = OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    @app.get("/down")
    def down() -> None:
        raise unavailable

    @app.get("/pool")
    def pool() -> None:
        raise PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached")

    @app.get("/bug")
    def bug() -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/down", "/pool"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["retry-after"] == "5"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/bug").status_code == 500  # a real bug stays a 500
    assert database_unavailable(unavailable)


def test_a_slow_statement_is_stopped_by_the_statement_timeout(empty_url: str) -> None:
    upgrade(empty_url, "0001")  # anything, so that the SQLite file exists
    engine = create_server_engine(empty_url, FAST)
    slow = (
        "SELECT pg_sleep(5)"
        if engine.dialect.name == "postgresql"
        else "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r"
    )
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught, engine.connect() as conn:
            conn.execute(text(slow))
        assert time.monotonic() - started < FAST.statement + 0.7
        assert database_unavailable(caught.value)
        with engine.connect() as conn:  # the connection, or the pool, is still usable
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_a_database_that_stops_answering_mid_statement_is_cut_off(
    databases: DatabaseFactory, empty_url: str
) -> None:
    """PostgreSQL cannot cancel what it never receives: the watchdog drops the connection
    once it has waited the statement timeout plus DEADLINE_GRACE."""
    if not databases.is_postgresql:
        pytest.skip("a TCP relay needs a database server: set KB_TEST_DATABASE_URL")
    from sqlalchemy.engine import make_url

    parsed = make_url(empty_url)
    relay = Relay(parsed.port or 5432)
    relayed = parsed.set(port=relay.port).render_as_string(hide_password=False)
    engine = create_server_engine(relayed, FAST)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            relay.set_mode("blackhole")
            started = time.monotonic()
            with pytest.raises(OperationalError) as caught:
                conn.execute(text("SELECT 2"))
            seconds = time.monotonic() - started
        assert (
            FAST.statement + DEADLINE_GRACE - 0.1 < seconds < FAST.statement + DEADLINE_GRACE + 0.5
        )
        assert caught.value.connection_invalidated
        relay.set_mode("forward")
        with engine.connect() as conn:  # a new connection once the database answers again
            assert conn.execute(text("SELECT 3")).scalar() == 3
    finally:
        engine.dispose()
        relay.close()


# --- SQLite: never created by the server; read-only ------------------------------------------


def sqlite_only(databases: DatabaseFactory) -> None:
    if databases.is_postgresql:
        pytest.skip("SQLite files only (this run tests PostgreSQL)")


def test_the_server_engine_never_creates_a_sqlite_file(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    sqlite_only(databases)
    path = tmp_path / "kb.sqlite3"
    engine = create_server_engine(f"sqlite:///{path}", FAST)
    with pytest.raises(OperationalError) as caught, engine.connect():
        pass
    assert database_unavailable(caught.value)
    assert not path.exists()
    engine.dispose()


def test_a_deleted_or_replaced_sqlite_file_is_noticed(
    databases: DatabaseFactory, migrated_url: str, tmp_path: Path
) -> None:
    sqlite_only(databases)
    path = Path(migrated_url.removeprefix("sqlite:///"))
    backup = tmp_path / "backup.sqlite3"
    engine = create_server_engine(migrated_url, FAST)
    try:
        with engine.connect() as conn:  # pooled: it keeps the file open
            conn.execute(text("SELECT count(*) FROM entity"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        os.replace(path, backup)
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM entity"))
        assert not path.exists()
        os.replace(backup, path)  # put back (a new inode to this engine's pool)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM entity")).scalar() == 0
    finally:
        engine.dispose()


def test_a_read_only_sqlite_database_is_served_read_only(
    databases: DatabaseFactory, migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    sqlite_only(databases)
    path = Path(migrated_url.removeprefix("sqlite:///"))
    writer = create_db_engine(migrated_url)
    with writer.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    writer.dispose()
    with caplog.at_level("WARNING", logger="app.db"):
        engine = create_server_engine(migrated_url, FAST, read_only=True)
    try:
        assert database_info(engine).read_only
        assert [r.getMessage() for r in caplog.records] == [
            f"SQLite database {path} is read-only (KB_DATABASE_READ_ONLY is set): "
            "serving it read-only, without WAL"
        ]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM entity")).scalar() == 0
            with pytest.raises(OperationalError, match="readonly"):
                conn.execute(text("DELETE FROM entity"))
        client = TestClient(
            create_app(Settings(database_url=migrated_url, database_read_only=True))
        )
        assert client.get("/ready").json()["read_only"] is True
    finally:
        engine.dispose()


# --- a read-only PostgreSQL (a hot standby) ---------------------------------------------


def test_a_write_to_a_read_only_postgresql_is_a_clear_503(databases: DatabaseFactory) -> None:
    """Found by the replica test: a server on a hot standby answered writes with a 500
    and a traceback (psycopg's ReadOnlySqlTransaction)."""
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL only: a read-only transaction default is a server setting")
    from app.core.db import create_db_engine, session_factory
    from app.curation.keys import create_key

    url = databases.new_seeded_url()
    engine = create_db_engine(url)
    try:
        with session_factory(engine)() as session:
            key = create_key(session, "curator", "write")
    finally:
        engine.dispose()
    read_only = f"{url}?options=-c%20default_transaction_read_only%3Don"
    with TestClient(app_for(read_only)) as client:
        current = client.get("/v1/people/ainur-kurmanov")
        assert current.status_code == 200  # reads are served
        answer = client.patch(
            "/v1/people/ainur-kurmanov",
            json={"description": "x"},
            headers={"Authorization": f"Bearer {key}", "If-Match": current.headers["etag"]},
        )
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/read-only-database")
