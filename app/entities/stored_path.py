"""The cold read path of an entity: ``GET /v1/{type}/{id}`` and ``/v1/entities/{id}``
answered from the stored body (``app.provenance.stored``) in front of FastAPI.

An entity detail is the request real traffic sends most (a crawler walks every entity,
a client fetches each match), and its answer is one primary-key lookup; routing,
dependency injection and parameter validation would cost more than the lookup. This
layer answers only the plain form, a path id made of the characters ids have and no
query string, with the very status, headers and bytes the route gives (tested), and
passes everything else on: another parameter (``as_of``, ``version``, ``format``),
an id not stored, a body of another type (the route's 404 names the real one), or a
database error (the route's 503). It sits inside the negotiation, ETag and gzip layers,
so those apply to its answers as to the route's.

The lookup itself is a compiled DBAPI statement run on a driver connection
(``BodyReader``). On a SQLite file it runs on the event loop, on one connection kept
for it: a primary-key read from the page cache takes tens of microseconds, less than
the hop to a worker thread and back, and less than a pool checkout and return
(measured: a detail took 0.6 ms through the app with the hop; the checkout and the
return were 60 % of the read left). The connection comes from the engine's pool
recreated, so it is opened like the others, and the reader checks before each read
what a checkout checks: that the file at the path is still the one it reads. It
never waits for the engine's own pool, which worker threads can hold: waiting on the
loop would stall every request. PostgreSQL's read is a round trip and stays in a
worker thread, with a connection of the engine's pool.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool, PoolProxiedConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.db import close_session, database_info
from app.provenance.listing import entity_etag
from app.provenance.stored import BodyLookup, Stored, stored_body

_PATH = re.compile(r"/v1/(organisations|people|events|places|entities)/([a-z0-9][a-z0-9-]{0,119})")
_TYPE_OF = {
    "organisations": "organisation",
    "people": "person",
    "events": "event",
    "places": "place",
    "entities": None,
}


class BodyReader:
    """Stored bodies read for the fast path, with the least work per read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lookup = BodyLookup(engine.dialect)
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        info = database_info(engine)
        # A SQLite file: read on the event loop. Not an in-memory database, whose pool
        # holds the only connection to it.
        self._file: Path | None = info.sqlite_path if info.backend == "sqlite" else None
        self._loop_pool: Pool | None = engine.pool.recreate() if self._file else None
        self._held: PoolProxiedConnection | None = None
        # PostgreSQL: a lone SELECT needs no transaction, and in one psycopg sends BEGIN
        # before it and the pool a ROLLBACK after it: three round trips instead of one
        # (560 µs against 205 µs a read at 100,000 entities). So the read runs in
        # autocommit, set on the pooled connection for the read alone.
        self._autocommit = info.backend == "postgresql"

    @property
    def on_loop(self) -> bool:
        return self._loop_pool is not None

    def read(self, entity_id: str) -> Stored | None:
        """The stored body; None when there is none or the database failed (the route
        meets the same error and answers it: a 503)."""
        if self._loop_pool is not None:
            return self._read_held(entity_id)
        try:
            connection = self.engine.pool.connect()
        except (SQLAlchemyError, self._driver_error):
            return None
        driver: Any = connection.dbapi_connection
        try:
            if self._autocommit:
                driver.autocommit = True
            try:
                return self._lookup.run(driver, entity_id)
            finally:
                if self._autocommit:
                    driver.autocommit = False  # as the pool's other users expect it
        except self._driver_error:
            connection.invalidate()  # maybe broken: the pool opens a new one
            return None
        finally:
            connection.close()

    def _read_held(self, entity_id: str) -> Stored | None:
        # One connection, kept checked out: a checkout and its return (a rollback) cost
        # more than the lookup. What the checkout would check, the file it reads being
        # the file at the path (not deleted or replaced), is checked here instead.
        connection = self._held
        if connection is None or connection.info.get("kb_file") != self._file_identity():
            self._release()
            try:
                connection = self._held = self._loop_pool.connect()  # type: ignore[union-attr]
                # Never wait for a lock on the event loop (another process's exclusive
                # lock, a database served without WAL while something writes): a busy
                # database fails the read at once, and the route waits in a worker
                # thread, with the busy timeout.
                driver: Any = connection.dbapi_connection
                driver.execute("PRAGMA busy_timeout = 0")
            except (SQLAlchemyError, self._driver_error):
                self._release()
                return None
        dbapi_connection: Any = connection.dbapi_connection
        try:
            return self._lookup.run(dbapi_connection, entity_id)
        except self._driver_error:
            connection.invalidate()
            self._held = None
            return None
        finally:
            # A lone SELECT opens no transaction; were one open, it would pin the
            # snapshot this connection reads.
            if self._held is not None and dbapi_connection.in_transaction:
                dbapi_connection.rollback()

    def _file_identity(self) -> tuple[int, int] | None:
        try:
            stat = self._file.stat()  # type: ignore[union-attr]
        except OSError:
            return None
        return stat.st_dev, stat.st_ino

    def _release(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            with contextlib.suppress(SQLAlchemyError, self._driver_error):
                held.invalidate()  # its file is gone or replaced: closed, not pooled

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._loop_pool is not None:
            self._loop_pool.dispose()


def _read(factory: sessionmaker[Session], entity_id: str) -> Stored | None:
    """Through a session: when the app's sessions are bound elsewhere than its engine
    (a test's outer transaction), the fast path reads what they would read."""
    session = factory()
    try:
        return stored_body(session, entity_id)
    except SQLAlchemyError:
        return None
    finally:
        close_session(session)


async def _lookup(scope: Scope, entity_id: str) -> Stored | None:
    state = scope["app"].state
    reader: BodyReader = state.body_reader
    factory: sessionmaker[Session] = state.session_factory
    if factory.kw.get("bind") is not reader.engine:
        return await anyio.to_thread.run_sync(_read, factory, entity_id)
    if reader.on_loop:
        return reader.read(entity_id)
    return await anyio.to_thread.run_sync(reader.read, entity_id)


class StoredBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            _PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        collection, entity_id = match.groups()
        found = await _lookup(scope, entity_id)
        wanted = _TYPE_OF[collection]
        if found is None or (wanted is not None and found.type != wanted):
            await self.app(scope, receive, send)
            return
        # As the route's Response sends them: its own headers, then length and type.
        headers = [
            (b"etag", entity_etag(entity_id, found.version).encode()),
            (b"content-length", str(len(found.body)).encode()),
            (b"content-type", b"application/json"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": found.body})
