"""A request that only reads keeps PostgreSQL's prepared statements for the next one.

psycopg prepares a statement once a connection has run it five times, and forgets
every prepared statement at a ROLLBACK. A GET's session (``mark_read``) therefore runs
a READ ONLY transaction and ends it with COMMIT: what it read is prepared for the next
request on that connection, and it can write nothing. Everything else ends as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import InternalError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.db import DatabaseTimeouts, close_session, create_server_engine, mark_read
from app.main import create_app
from tests.conftest import DATA_DIR, DatabaseFactory

PREPARE_THRESHOLD = 5  # psycopg's default
QUERY = text("SELECT count(*) FROM entity WHERE type = :type")


@pytest.fixture
def engine(databases: DatabaseFactory, seeded_url: str) -> Iterator[Engine]:
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL only: psycopg's prepared statements (SQLite has none)")
    # One connection, so that every session below gets the same one.
    timeouts = DatabaseTimeouts(connect=5, statement=5, pool=5, busy=5)
    engine = create_server_engine(seeded_url, timeouts)
    engine.pool._pool.maxsize = 1  # type: ignore[attr-defined]
    engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def run(factory: sessionmaker[Session], *, read: bool, times: int = 1) -> None:
    for _ in range(times):
        session = factory()
        if read:
            mark_read(session)
        session.execute(QUERY, {"type": "person"}).scalar_one()
        close_session(session)


def prepared(engine: Engine) -> int:
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM entity%'")
        ).scalar_one()
        connection.commit()  # not a rollback: that would clear what it counts
        return int(count)


def test_reads_keep_their_prepared_statements_from_one_session_to_the_next(
    engine: Engine,
) -> None:
    factory = sessionmaker(engine)
    run(factory, read=True, times=PREPARE_THRESHOLD + 1)
    assert prepared(engine) == 1


def test_a_session_not_marked_as_a_read_ends_with_a_rollback_as_before(engine: Engine) -> None:
    # The behaviour the reads work around: psycopg forgets them at a ROLLBACK.
    factory = sessionmaker(engine)
    run(factory, read=True, times=PREPARE_THRESHOLD + 1)
    run(factory, read=False)
    assert prepared(engine) == 0


def test_a_read_can_write_nothing(engine: Engine) -> None:
    session = sessionmaker(engine)()
    mark_read(session)
    assert session.execute(text("SHOW transaction_read_only")).scalar_one() == "on"
    with pytest.raises(InternalError, match="read-only transaction"):
        session.execute(text("UPDATE entity SET name = name WHERE id = 'nobody'"))
    close_session(session)  # a failed read is rolled back, without an error


def test_the_next_session_on_the_connection_can_write_again(engine: Engine) -> None:
    factory = sessionmaker(engine)
    run(factory, read=True)
    with factory() as session:
        assert session.execute(text("SHOW transaction_read_only")).scalar_one() == "off"
        session.execute(text("UPDATE entity SET name = name WHERE id = 'nobody'"))
        session.commit()


def test_a_failed_read_leaves_a_writable_connection(engine: Engine) -> None:
    factory = sessionmaker(engine)
    session = factory()
    mark_read(session)
    with pytest.raises(InternalError):
        session.execute(text("UPDATE entity SET name = name WHERE id = 'nobody'"))
    close_session(session)
    with factory() as session:
        session.execute(text("UPDATE entity SET name = name WHERE id = 'nobody'"))
        session.commit()


def test_get_requests_read_in_read_only_transactions_ended_by_commit(
    databases: DatabaseFactory, seeded_url: str
) -> None:
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL only: SQLite's read sessions end as before")
    app = create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR, cache_enabled=False))
    engine: Engine = app.state.engine
    read_only: list[bool] = []
    ends: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def statement(connection: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        if "UNION ALL" in sql:  # the timeline's dated facts
            read_only.append(connection.connection.dbapi_connection.read_only)  # type: ignore[union-attr]

    with TestClient(app) as client:  # started: what start-up ran is not counted
        event.listen(engine, "commit", lambda _connection: ends.append("commit"))
        event.listen(engine, "rollback", lambda _connection: ends.append("rollback"))
        for _ in range(3):
            response = client.get(
                "/v1/timeline", params={"entity": "socialist-movement-of-kazakhstan"}
            )
            assert response.status_code == 200, response.text
            assert response.json()["items"]
    assert read_only == [True, True, True]
    assert ends == ["commit"] * 3
    # The connections went back to the pool writable.
    with engine.begin() as connection:
        connection.execute(text("UPDATE entity SET name = name WHERE id = 'nobody'"))
    engine.dispose()
