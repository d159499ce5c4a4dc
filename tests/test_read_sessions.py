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
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, event, text
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
    timeouts = DatabaseTimeouts(connect=5, statement=5, pool=5, busy=5)
    engine = create_server_engine(seeded_url, timeouts)
    yield engine
    engine.dispose()


def backend(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def run(factory: sessionmaker[Session], *, read: bool, times: int = 1) -> set[int]:
    """The statement in ``times`` sessions, one after the other; the server processes
    that ran it (one: the pool hands the same connection back each time)."""
    backends = set()
    for _ in range(times):
        session = factory()
        if read:
            mark_read(session)
        session.execute(QUERY, {"type": "person"}).scalar_one()
        backends.add(backend(session.connection()))
        close_session(session)
    return backends


def prepared(engine: Engine, backends: set[int]) -> int:
    with engine.connect() as connection:
        assert {backend(connection)} == backends, "not the connection the sessions used"
        count = connection.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM entity%'")
        ).scalar_one()
        connection.commit()  # not a rollback: that would clear what it counts
        return int(count)


def test_reads_keep_their_prepared_statements_from_one_session_to_the_next(
    engine: Engine,
) -> None:
    factory = sessionmaker(engine)
    backends = run(factory, read=True, times=PREPARE_THRESHOLD + 1)
    assert prepared(engine, backends) == 1


def test_a_session_not_marked_as_a_read_ends_with_a_rollback_as_before(engine: Engine) -> None:
    # The behaviour the reads work around: psycopg forgets them at a ROLLBACK.
    factory = sessionmaker(engine)
    backends = run(factory, read=True, times=PREPARE_THRESHOLD + 1)
    assert run(factory, read=False) == backends
    assert prepared(engine, backends) == 0


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


def test_a_get_whose_connection_is_lost_is_a_503_and_the_next_one_is_served(
    databases: DatabaseFactory, own_app: tuple[FastAPI, str]
) -> None:
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL only: a server process to terminate")
    app, url = own_app
    engine: Engine = app.state.engine
    kill = {"next": False}

    @event.listens_for(engine, "before_cursor_execute")
    def terminate(connection: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        if kill["next"] and "UNION ALL" in sql:  # the timeline's page
            kill["next"] = False
            pid = connection.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()

    # With a period: the route's, through ``get_session`` (a plain timeline, read in
    # front of FastAPI, would leave a failed read to the route, which reads again).
    period = {"from": "1990"}
    with TestClient(app) as client:
        assert client.get("/v1/timeline", params=period).status_code == 200
        kill["next"] = True
        lost = client.get("/v1/timeline", params=period)
        assert lost.status_code == 503, lost.text
        assert lost.headers["content-type"] == "application/problem+json"
        assert client.get("/v1/timeline", params=period).status_code == 200


def test_no_documented_get_writes(databases: DatabaseFactory, own_app: tuple[FastAPI, str]) -> None:
    # Every GET of the OpenAPI document, with its examples, in a READ ONLY transaction:
    # a write would fail there (a 500), and none is even attempted.
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL only: READ ONLY transactions")
    app, _url = own_app
    writes: list[str] = []

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def record(_connection: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(sql[:80])

    with TestClient(app) as client:
        paths = client.get("/openapi.json").json()["paths"]
        asked = 0
        for template, operations in paths.items():
            if "get" not in operations or template.endswith("/stream"):
                continue  # the change stream never ends: tests/api/test_changes_stream.py
            path, query = template, {}
            for parameter in operations["get"].get("parameters", []):
                examples = parameter.get("examples") or parameter.get("schema", {}).get(
                    "examples", []
                )
                example = examples[0] if isinstance(examples, list) and examples else None
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", str(example))
                elif example is not None and parameter["in"] == "query":
                    query[parameter["name"]] = example
            for params in (query, {}):
                response = client.get(path, params=params)
                assert response.status_code < 500, (path, params, response.text)
                asked += 1
    assert asked > 60
    assert writes == []
