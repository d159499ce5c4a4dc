"""Reads for the fast paths in front of FastAPI (``app.entities.stored_path``,
``app.search.fast_path``): a lookup compiled once (a DBAPI statement) run on a driver
connection, with the least work per read.

On a SQLite file it runs on the event loop, on one connection kept for it: a
primary-key read from the page cache takes tens of microseconds, less than the hop to
a worker thread and back, and less than a pool checkout and return (measured: an
entity detail took 0.6 ms through the app with the hop; the checkout and the return
were 60 % of the read left). The connection comes from the engine's pool recreated, so
it is opened like the others, and the reader checks before each read what a checkout
checks: that the file at the path is still the one it reads. It never waits for the
engine's own pool, which worker threads can hold: waiting on the loop would stall
every request. PostgreSQL's read is a round trip and stays in a worker thread, with a
connection of the engine's pool.

Through a session, the same lookups cost four to ten times as much (a session, its
connection checkout, an ORM statement and its rollback: 400-500 µs for the dataset
revision on SQLite, against tens of microseconds here).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import anyio
from sqlalchemy import Engine, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool, PoolProxiedConnection
from starlette.types import Scope

from app.core.db import close_session, database_info, driver_deadline, mark_read

T = TypeVar("T")
# Threads for reads off the event loop: fewer than the engine pool's five connections.
READ_THREADS = 4


class CompiledStatement:
    """A statement compiled once for a dialect, run on a driver connection: what a fast
    path's lookup runs. Through a session or SQLAlchemy's ``execute`` the same statement
    costs several times as much as the read itself."""

    def __init__(self, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        # Placeholders for the parameters given per run; the statement's own literals
        # keep their values.
        given = {name for name, bind in compiled.binds.items() if bind.value is None}
        self._defaults = compiled.construct_params(dict.fromkeys(given))
        # The driver's parameter style: a tuple in this order (SQLite), or a mapping.
        self._order = compiled.positiontup

    def rows(self, dbapi_connection: Any, values: dict[str, Any] | None = None) -> list[Any]:
        """Every row, so the statement is finished: an unfinished one would hold
        SQLite's read snapshot open on the connection."""
        given = {**self._defaults, **values} if values else self._defaults
        params = given if self._order is None else tuple(given[n] for n in self._order)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()


class FastReader:
    """Runs a fast path's lookup (a compiled statement on a driver connection) with the
    least work per read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
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
        self._threads: ThreadPoolExecutor | None = None  # made on first use (off_loop)

    @property
    def on_loop(self) -> bool:
        return self._loop_pool is not None

    def run(self, lookup: Callable[[Any], T | None]) -> T | None:
        """``lookup(driver_connection)``; None when it finds nothing or the database
        failed (the route meets the same error and answers it: a 503). On the held
        connection for a SQLite file (on the event loop), else on a pooled one."""
        if self._loop_pool is not None:
            return self._run_held(lookup)
        return self.run_pooled(lookup)

    def run_pooled(self, lookup: Callable[[Any], T | None]) -> T | None:
        """``run`` on a connection of the engine's pool, for reads that may take long
        (a count, a page far down a list) and so never run on the event loop."""
        try:
            connection = self.engine.pool.connect()
        except (SQLAlchemyError, self._driver_error):
            return None
        driver: Any = connection.dbapi_connection
        try:
            if self._autocommit:
                driver.autocommit = True
            try:
                with driver_deadline(self.engine, driver):
                    return lookup(driver)
            finally:
                if self._autocommit:
                    driver.autocommit = False  # as the pool's other users expect it
        except self._driver_error:
            connection.invalidate()  # maybe broken: the pool opens a new one
            return None
        finally:
            connection.close()

    def _run_held(self, lookup: Callable[[Any], T | None]) -> T | None:
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
            return lookup(dbapi_connection)
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

    async def off_loop(self, read: Callable[[], T]) -> T:
        """``read()`` in one of the reader's threads: an executor of its own, cheaper to
        hop to and back than anyio's worker threads (19 µs of CPU against 74 µs with 32
        calls waiting, measured on one CPU), with fewer threads than the engine's pool
        has connections, so that its reads never open connections beyond the pool's."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="kb-read")
        return await asyncio.get_running_loop().run_in_executor(self._threads, read)

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=False)
            self._threads = None
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._loop_pool is not None:
            self._loop_pool.dispose()


def read_through_session(
    factory: sessionmaker[Session], read: Callable[[Session], T | None]
) -> T | None:
    """``read`` in a session of its own (a read: ``mark_read``), closed after; None if
    the database failed."""
    session = factory()
    mark_read(session)
    try:
        return read(session)
    except SQLAlchemyError:
        return None
    finally:
        close_session(session)


async def read_fast(
    scope: Scope, read: Callable[[], T | None], through_session: Callable[[Session], T | None]
) -> T | None:
    """``read()``, a read of the app's reader (``state.fast_reader``): on the event loop
    for a SQLite file, in a worker thread for PostgreSQL. When the app's sessions are
    bound elsewhere than its engine (a test's outer transaction), ``through_session``
    reads what they would read instead, in a worker thread."""
    state = scope["app"].state
    reader: FastReader = state.fast_reader
    factory: sessionmaker[Session] = state.session_factory
    if factory.kw.get("bind") is not reader.engine:
        return await anyio.to_thread.run_sync(read_through_session, factory, through_session)
    if reader.on_loop:
        return read()
    return await reader.off_loop(read)


async def read_off_loop(
    scope: Scope, lookup: Callable[[Any], T | None], through_session: Callable[[Session], T | None]
) -> T | None:
    """``lookup`` on a pooled connection in one of the reader's threads, never on the
    event loop (or ``through_session``, as ``read_fast`` does)."""
    state = scope["app"].state
    reader: FastReader = state.fast_reader
    factory: sessionmaker[Session] = state.session_factory
    if factory.kw.get("bind") is not reader.engine:
        return await anyio.to_thread.run_sync(read_through_session, factory, through_session)
    return await reader.off_loop(lambda: reader.run_pooled(lookup))
