"""The fast path's own reads (app/entities/stored_path.py ``BodyReader``): on an app
whose sessions are bound to its engine, as in production, a plain entity detail is
read with a compiled statement on a driver connection (on the event loop for a SQLite
file), and answers as the route does, sees every committed write at once, and leaves
a failing database to the route.

These tests build their own app on their own database: the shared ``app`` runs every
test inside one rolled-back transaction, which the fast path then reads through a
session (tests/api/test_stored_bodies.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import psycopg.pq
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core.config import Settings
from app.entities.stored_path import BodyReader
from app.main import create_app
from app.provenance.stored import BodyLookup
from tests.conftest import DATA_DIR, DatabaseFactory
from tests.curation.conftest import QUOTE, etag, make_key

PERSON = "/v1/people/ainur-kurmanov"


@pytest.fixture
def own_app(databases: DatabaseFactory) -> tuple[FastAPI, str]:
    url = databases.new_seeded_url()
    return create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False)), url


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every read of the body reader: the id, and whether it ran on the event loop."""
    seen: list[tuple[str, bool]] = []
    real = BodyReader.read

    def spied(self: BodyReader, entity_id: str) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        seen.append((entity_id, on_loop))
        return real(self, entity_id)

    monkeypatch.setattr(BodyReader, "read", spied)
    return seen


@pytest.mark.parametrize(
    "path",
    [PERSON, "/v1/entities/almaty", "/v1/organisations/committee-for-a-workers-international"],
)
def test_the_reader_answers_as_the_route_does(
    own_app: tuple[FastAPI, str], reads: list[tuple[str, bool]], path: str
) -> None:
    app, url = own_app
    with TestClient(app) as client:
        fast = client.get(path)
        routed = client.get(path, params={"unused": "1"})  # past the fast path
    sqlite = url.startswith("sqlite")
    # On a SQLite file on the event loop; PostgreSQL's round trip in a worker thread.
    assert reads == [(path.rsplit("/", 1)[1], sqlite)]
    assert app.state.fast_reader.on_loop is sqlite
    assert fast.status_code == 200
    assert (fast.status_code, fast.content) == (routed.status_code, routed.content)
    assert fast.headers.items() == routed.headers.items()


def test_a_body_of_another_type_or_no_body_goes_to_the_route(
    own_app: tuple[FastAPI, str], reads: list[tuple[str, bool]]
) -> None:
    app, _ = own_app
    with TestClient(app) as client:
        wrong_type = client.get("/v1/organisations/ainur-kurmanov")
        missing = client.get("/v1/people/nobody-at-all")
    assert [entity_id for entity_id, _ in reads] == ["ainur-kurmanov", "nobody-at-all"]
    assert wrong_type.status_code == 404
    assert "'ainur-kurmanov' is a person" in wrong_type.json()["detail"]
    assert missing.status_code == 404


def test_a_committed_write_is_served_at_once(own_app: tuple[FastAPI, str]) -> None:
    app, url = own_app
    with TestClient(app) as client:
        before = client.get(PERSON).json()
        writer = make_key(app, "curator", "write")
        patched = client.patch(
            PERSON,
            json={"name": "Ainur K.", "sources": [QUOTE]},
            headers={**writer, "If-Match": etag(client, PERSON)},
        )
        assert patched.status_code == 200, patched.text
        after = client.get(PERSON)
        assert after.json()["name"] == "Ainur K."
        assert after.json()["version"] == before["version"] + 1
        assert after.content == client.get(PERSON, params={"unused": "1"}).content
        # A write by another connection entirely (another process's, as far as the
        # reader's connection can tell): the stored body of an older version is no
        # longer served.
        other = create_engine(url)
        try:
            with other.begin() as conn:
                conn.execute(
                    text("UPDATE entity SET version = version + 1 WHERE id = 'ainur-kurmanov'")
                )
        finally:
            other.dispose()
        assert client.get(PERSON).json()["version"] == before["version"] + 2  # assembled


def test_a_failing_database_is_left_to_the_route(
    own_app: tuple[FastAPI, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = own_app
    reader: BodyReader = app.state.fast_reader

    class Broken:
        sql = "SELECT no_such_column FROM entity_body"

        def run(self, dbapi_connection: Any, entity_id: str) -> Any:
            cursor = dbapi_connection.cursor()
            cursor.execute(self.sql)
            return None

    with TestClient(app) as client:
        expected = client.get(PERSON).content
        monkeypatch.setattr(reader, "_lookup", Broken())
        # The reader's error is not the client's: the route answers instead.
        answer = client.get(PERSON)
        assert answer.status_code == 200
        assert answer.content == expected


def test_a_locked_database_never_holds_the_event_loop(databases: DatabaseFactory) -> None:
    """Another process holding the database exclusively (here: a write to a database
    served read-only, without WAL): the reader gives up at once and the route waits in
    a worker thread, with the busy timeout, rather than waiting on the event loop,
    where every request would wait with it."""
    if databases.is_postgresql:
        pytest.skip("SQLite only: PostgreSQL's read runs in a worker thread")
    url = databases.new_seeded_url()
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    app = create_app(
        Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False, database_read_only=True)
    )
    reader: BodyReader = app.state.fast_reader
    assert reader.on_loop
    assert reader.read("ainur-kurmanov") is not None  # the held connection is open
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        assert reader.read("ainur-kurmanov") is None
        assert time.monotonic() - started < 0.5  # the busy timeout is 5 s
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert reader.read("ainur-kurmanov") is not None  # and reads again once it is free
    reader.close()


def test_a_read_on_postgresql_opens_no_transaction(
    databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One round trip a read: in a transaction, psycopg would send BEGIN before the
    statement and the pool a ROLLBACK after it."""
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL only: a SQLite read is a call, not a round trip")
    after_read: list[psycopg.pq.TransactionStatus] = []
    real = BodyLookup.run

    def spied(self: BodyLookup, dbapi_connection: Any, entity_id: str) -> Any:
        found = real(self, dbapi_connection, entity_id)
        after_read.append(dbapi_connection.info.transaction_status)
        return found

    monkeypatch.setattr(BodyLookup, "run", spied)
    url = databases.new_seeded_url()
    app = create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False))
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get(PERSON).status_code == 200
        # The connection goes back to the pool as it came: writes need their transaction.
        with app.state.engine.connect() as connection:
            assert connection.connection.dbapi_connection.autocommit is False
    assert after_read == [psycopg.pq.TransactionStatus.IDLE] * 3
