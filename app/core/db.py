"""Engines and the session factory.

Two kinds of engine:

* ``create_db_engine``: for the ``kb`` commands and migrations. It may create a missing
  SQLite file (``kb migrate`` and ``kb seed`` make new databases) and sets no timeouts
  (a migration may take long).
* ``create_server_engine``: for the API server. It never creates a SQLite file (a
  deleted file is reported, not silently replaced by an empty one), and a database
  that hangs cannot hold a request for longer than the configured timeouts:

  - PostgreSQL: ``connect_timeout`` on every new connection, ``statement_timeout``
    in the session (the server cancels a slow statement), a pool timeout, and a
    client-side deadline for a server that does not answer at all (a network
    partition, a hung host): a watchdog thread shuts the connection's socket down
    once a statement, the checkout ping or a rollback has waited the statement
    timeout plus one second, and the waiting thread gets an error at once.
  - SQLite: the busy timeout, and a statement deadline enforced by a progress
    handler (the statement is interrupted).

SQLite gets foreign keys switched on for every connection, and WAL journaling unless
the file is read-only: a file that cannot be written (a read-only mount, an immutable
file, ``KB_DATABASE_READ_ONLY``) is opened read-only, and one line says so.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.request import pathname2url

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings

logger = logging.getLogger("app.db")

# A database that answers nothing at all is given this long beyond the statement
# timeout (PostgreSQL's own statement_timeout fires first when the server is alive).
DEADLINE_GRACE = 1.0
# A pooled PostgreSQL connection handed back less than this long ago is not pinged again
# at checkout (see the checkout listener).
PING_BYPASS_SECONDS = 0.5
# SQLite's page cache per connection, and while a whole table is read once (passing_read).
PAGE_CACHE_KIB = 8192
PASSING_CACHE_KIB = 2000
# The SQLite progress handler runs every this many virtual-machine instructions.
_PROGRESS_INSTRUCTIONS = 5_000


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Seconds; 0 means no limit."""

    connect: float = 3.0
    statement: float = 5.0
    pool: float = 5.0
    busy: float = 5.0


@dataclass(frozen=True)
class DatabaseInfo:
    """What the server engine knows about its database (for ``/ready``)."""

    backend: str
    sqlite_path: Path | None  # a SQLite file, or None (PostgreSQL, in-memory)
    read_only: bool
    read_only_reason: str | None
    # How long a statement may wait for a database that answers nothing (0: no limit),
    # enforced by the engine's events; ``driver_deadline`` for statements run without.
    statement_deadline: float = 0.0


_INFO: weakref.WeakKeyDictionary[Engine, DatabaseInfo] = weakref.WeakKeyDictionary()


def database_info(engine: Engine) -> DatabaseInfo:
    info = _INFO.get(engine)
    if info is None:
        url = engine.url
        path = _sqlite_file(url)
        info = DatabaseInfo(url.get_backend_name(), path, False, None)
    return info


# --- SQLite -------------------------------------------------------------------------


def _sqlite_file(url: URL) -> Path | None:
    """The file of a plain SQLite URL; None for PostgreSQL, memory or a ``file:`` URI."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri") or url.query.get("mode"):
        return None
    return Path(database)


def _sqlite_uri(path: Path, mode: str, *, immutable: bool = False) -> str:
    uri = f"file:{pathname2url(str(path.resolve()))}?mode={mode}"
    return uri + "&immutable=1" if immutable else uri


def _error_name(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", ""))


def sqlite_read_only_reason(path: Path) -> str | None:
    """Why this existing SQLite file can only be read, or None when it can be written
    (or does not exist). Takes and drops a write lock without waiting for one."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(_sqlite_uri(path, "rw"), uri=True, timeout=0)
    except sqlite3.Error as exc:
        return f"it cannot be opened for writing ({exc})"
    try:
        # A write transaction needs write access to the file (and, in WAL mode, to the
        # -wal and -shm files next to it); nothing is written.
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
    except sqlite3.Error as exc:
        name = _error_name(exc)
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
            return f"it cannot be written ({exc})"
        return None  # busy or locked: someone else is writing it, so it is writable
    finally:
        conn.close()
    return None


def _read_only_uri(path: Path) -> str:
    """``mode=ro``, or also ``immutable=1`` when even a read-only open fails: a WAL
    database on a read-only file system, whose -shm file cannot be created."""
    uri = _sqlite_uri(path, "ro")
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if not _error_name(exc).startswith("SQLITE_CANTOPEN"):
            return uri
        return _sqlite_uri(path, "ro", immutable=True)
    return uri


def _sqlite_pragmas(dbapi_connection: Any, *, read_only: bool) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if not read_only:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    # An 8 MB page cache per connection (the default is 2 MB): a miss is a system call
    # even when the OS has the page. 64 MB, as before, answered the mix no faster at
    # 100,000 or a million entities, and made a server 90-115 MB larger once its
    # connections had filled theirs (docs/performance.md).
    cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    cursor.close()


@contextmanager
def passing_read(session: Session) -> Iterator[None]:
    """A read that passes over a whole table once (search's tables loading at start-up)
    goes through SQLite's default 2 MB page cache, not the connection's own: the pages
    would not be read again, and filling the cache with them (64 MB then) made a
    server's memory that much larger for as long as the connection was pooled. Other
    engines: nothing changes."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA cache_size=-{PASSING_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        connection.exec_driver_sql("PRAGMA shrink_memory")


def _read_only_decision(path: Path | None, forced: bool) -> tuple[bool, str | None]:
    if path is None:
        return False, None
    if forced:
        return True, "KB_DATABASE_READ_ONLY is set"
    reason = sqlite_read_only_reason(path)
    return reason is not None, reason


def _sqlite_engine(
    url: URL,
    *,
    echo: bool,
    create: bool,
    read_only: bool,
    timeouts: DatabaseTimeouts | None,
) -> tuple[Engine, DatabaseInfo]:
    path = _sqlite_file(url)
    busy = timeouts.busy if timeouts else 5.0
    if path is None:  # memory, or a file: URI given as is
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": busy}
        )
        event.listen(engine, "connect", lambda conn, _rec: _sqlite_pragmas(conn, read_only=False))
        return engine, DatabaseInfo("sqlite", None, False, None)

    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    read_only, reason = _read_only_decision(path, read_only)
    if read_only:
        uri = _read_only_uri(path)
        logger.warning(
            "SQLite database %s is read-only (%s): serving it read-only, without WAL%s",
            path,
            reason,
            " (immutable)" if "immutable=1" in uri else "",
        )
    else:
        uri = _sqlite_uri(path, "rwc" if create else "rw")

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=busy, check_same_thread=False)

    engine = create_engine(url, echo=echo, creator=connect)

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, read_only=read_only)
        with contextlib.suppress(OSError):
            stat = path.stat()
            record.info["kb_file"] = (stat.st_dev, stat.st_ino)

    if not create:

        @event.listens_for(engine, "checkout")
        def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            # A pooled connection keeps a deleted (or replaced) file open and would go
            # on answering from it: drop it, and let the pool open the path again.
            try:
                stat = path.stat()
            except OSError:
                raise DisconnectionError(f"the database file {path} is gone") from None
            if record.info.get("kb_file") != (stat.st_dev, stat.st_ino):
                raise DisconnectionError(f"the database file {path} was replaced")

    if timeouts and timeouts.statement > 0:
        _sqlite_statement_deadline(engine, timeouts.statement)
    return engine, DatabaseInfo("sqlite", path, read_only, reason)


class _Clock:
    """The deadline of the statement running on one SQLite connection (0: none)."""

    __slots__ = ("deadline",)

    def __init__(self) -> None:
        self.deadline = 0.0


def _sqlite_statement_deadline(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def install(dbapi_connection: Any, record: Any) -> None:
        clock = _Clock()
        record.info["kb_clock"] = clock

        def over_time() -> int:
            return 1 if clock.deadline and time.monotonic() > clock.deadline else 0

        dbapi_connection.set_progress_handler(over_time, _PROGRESS_INSTRUCTIONS)

    def clock_of(record_info: dict[Any, Any]) -> _Clock | None:
        return record_info.get("kb_clock")

    # Rows are stepped while they are fetched, after the execute: the deadline stays
    # armed until the next statement, the reset on return, or the check-in.
    @event.listens_for(engine, "before_cursor_execute")
    def arm(conn: Any, *_args: Any) -> None:
        clock = clock_of(conn.info)
        if clock is not None:
            clock.deadline = time.monotonic() + seconds

    @event.listens_for(engine, "reset")
    def on_reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        on_checkin(dbapi_connection, connection_record)

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection: Any, connection_record: Any) -> None:
        clock = clock_of(connection_record.info)
        if clock is not None:
            clock.deadline = 0.0


# --- PostgreSQL -----------------------------------------------------------------------


class _Watchdog:
    """One daemon thread that shuts down the socket of a connection whose wait for the
    database outlived its deadline: the blocked call then fails at once with a
    connection error, the pool drops the connection, and the request gets a 503."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, Any]] = {}
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> None:
        with self._lock:
            self._armed[id(dbapi_connection)] = (time.monotonic() + seconds, dbapi_connection)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._armed.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            with self._lock:
                expired = [key for key, (deadline, _) in self._armed.items() if deadline <= now]
                victims = [self._armed.pop(key)[1] for key in expired]
            for dbapi_connection in victims:
                _sever(dbapi_connection)


def _sever(dbapi_connection: Any) -> None:
    try:
        fd = dbapi_connection.fileno()
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # closed meanwhile: nothing to do
        return
    logger.warning("the database did not answer in time: connection dropped")


_WATCHDOG = _Watchdog()


def _postgresql_options(url: URL, statement_seconds: float) -> dict[str, Any]:
    options = str(url.query.get("options", ""))
    if statement_seconds > 0:
        options = f"{options} -c statement_timeout={math.ceil(statement_seconds * 1000)}".strip()
    return {"options": options} if options else {}


def _postgresql_server_engine(url: URL, *, echo: bool, timeouts: DatabaseTimeouts) -> Engine:
    connect_args: dict[str, Any] = _postgresql_options(url, timeouts.statement)
    if timeouts.connect > 0:
        # libpq's rule, which psycopg follows: whole seconds, at least 2.
        connect_args["connect_timeout"] = max(2, math.ceil(timeouts.connect))
    engine = create_engine(
        url,
        echo=echo,
        pool_timeout=timeouts.pool if timeouts.pool > 0 else None,
        connect_args=connect_args,
    )
    ping_seconds = timeouts.connect if timeouts.connect > 0 else 0.0
    statement_seconds = timeouts.statement + DEADLINE_GRACE if timeouts.statement > 0 else 0.0

    @event.listens_for(engine, "connect")
    def fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["kb_fresh"] = True

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info["kb_returned_at"] = time.monotonic()
        if dbapi_connection is not None:
            _writable_again(dbapi_connection, record)

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # pool_pre_ping, with a deadline: a pooled connection to a server that no longer
        # answers is dropped after ping_seconds and a new one is tried. A connection
        # handed back within PING_BYPASS_SECONDS was just working, so it is not pinged
        # (HikariCP's aliveBypassWindow): under load, no request pays two extra round
        # trips; after a pause, the first use is checked as before.
        if record.info.pop("kb_fresh", False):
            return
        returned_at = record.info.get("kb_returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_BYPASS_SECONDS:
            return
        if ping_seconds:
            _WATCHDOG.arm(dbapi_connection, ping_seconds)
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            # psycopg began a transaction for the ping: end it, so the checkout hands
            # over a connection with none open (SET TRANSACTION must come first in one).
            # COMMIT, not ROLLBACK, which would make psycopg forget its prepared
            # statements (see ``mark_read``); the ping wrote nothing.
            dbapi_connection.commit()
        except Exception as exc:  # any failure: try a new connection
            raise DisconnectionError(f"pre-ping failed: {exc}") from exc
        finally:
            _WATCHDOG.disarm(dbapi_connection)

    if statement_seconds:

        def arm(dbapi_connection: Any) -> None:
            _WATCHDOG.arm(dbapi_connection, statement_seconds)

        def disarm(dbapi_connection: Any) -> None:
            _WATCHDOG.disarm(dbapi_connection)

        def on_connection(handler: Callable[[Any], None]) -> Callable[..., None]:
            def listener(conn: Any, *_args: Any) -> None:
                # An invalidated connection has no DBAPI connection (and asking for one
                # would reconnect): nothing to arm or disarm.
                if conn.invalidated or conn.closed:
                    return
                dbapi_connection = conn.connection.dbapi_connection
                if dbapi_connection is not None:
                    handler(dbapi_connection)

            return listener

        event.listen(engine, "before_cursor_execute", on_connection(arm))
        event.listen(engine, "after_cursor_execute", on_connection(disarm))
        event.listen(engine, "commit", on_connection(arm))
        event.listen(engine, "rollback", on_connection(arm))
        event.listen(engine, "handle_error", _disarm_on_error)

        @event.listens_for(engine, "reset")
        def on_reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
            arm(dbapi_connection)  # the rollback on return waits for the database too

        def release(dbapi_connection: Any, *_args: Any) -> None:
            if dbapi_connection is not None:
                disarm(dbapi_connection)

        for name in ("checkin", "close", "close_detached", "detach", "invalidate"):
            event.listen(engine, name, release)
    return engine


def _disarm_on_error(context: Any) -> None:
    connection = context.connection
    if connection is not None and not connection.closed and not connection.invalidated:
        with contextlib.suppress(Exception):
            _WATCHDOG.disarm(connection.connection.dbapi_connection)


# --- Engines --------------------------------------------------------------------------


def create_db_engine(
    url: str,
    *,
    echo: bool = False,
    create: bool = True,
    read_only: bool = False,
    timeouts: DatabaseTimeouts | None = None,
) -> Engine:
    """An engine for the ``kb`` commands and migrations (a missing SQLite file is created)
    unless ``create`` is false; see ``create_server_engine`` for the server's."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine, info = _sqlite_engine(
            parsed, echo=echo, create=create, read_only=read_only, timeouts=timeouts
        )
        _INFO[engine] = info
        return engine
    deadline = 0.0
    if timeouts is not None:
        engine = _postgresql_server_engine(parsed, echo=echo, timeouts=timeouts)
        deadline = timeouts.statement + DEADLINE_GRACE if timeouts.statement > 0 else 0.0
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
    _INFO[engine] = DatabaseInfo(parsed.get_backend_name(), None, False, None, deadline)
    return engine


@contextmanager
def driver_deadline(engine: Engine, dbapi_connection: Any) -> Iterator[None]:
    """The deadline the engine's events give a statement (``statement_deadline``), for
    statements run on the driver connection directly (the fast paths, app.core.fast_read),
    which those events never see: a database that takes bytes and answers none fails
    the read when it passes, instead of holding it for ever."""
    seconds = database_info(engine).statement_deadline
    if seconds:
        _WATCHDOG.arm(dbapi_connection, seconds)
    try:
        yield
    finally:
        if seconds:
            _WATCHDOG.disarm(dbapi_connection)


def create_server_engine(
    url: str,
    timeouts: DatabaseTimeouts,
    *,
    read_only: bool = False,
    echo: bool = False,
) -> Engine:
    """The API server's engine: never creates a SQLite file, and has every timeout."""
    return create_db_engine(url, echo=echo, create=False, read_only=read_only, timeouts=timeouts)


def server_engine(settings: Settings) -> Engine:
    """``create_server_engine`` with the KB_DATABASE_* settings."""
    timeouts = DatabaseTimeouts(
        connect=settings.database_connect_timeout,
        statement=settings.database_statement_timeout,
        pool=settings.database_pool_timeout,
        busy=settings.database_busy_timeout,
    )
    return create_server_engine(
        settings.database_url,
        timeouts,
        read_only=settings.database_read_only,
        echo=settings.sql_echo,
    )


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return create_db_engine(url)


def close_session(session: Session) -> None:
    """Close a request's session. The end of its read transaction may find the database
    gone (the answer, maybe a 503, is already on its way): the pool drops the
    connection, and one line is logged instead of an error after the response."""
    try:
        try:
            if session.info.get(_READS_ONLY):
                _commit_read(session)
        finally:
            session.close()  # whatever the COMMIT met: the connection goes back
    except (OperationalError, InterfaceError) as exc:
        logger.warning("connection lost while closing a session: %s", str(exc.orig).strip()[:200])


# --- Reads on PostgreSQL: prepared statements kept from one request to the next ---------
#
# psycopg prepares a statement on the server once a connection has run it five times,
# and then skips PostgreSQL's parsing and planning for it; but it forgets every one of
# them at each ROLLBACK, and a request's read transaction ended with one. So nothing
# was ever prepared across requests: a timeline's union of thirteen dated-fact queries
# was planned anew each time (2.4 ms of planning for 0.6 ms of execution, at 100,000
# entities). A session marked as a read (``mark_read``: a GET or HEAD request) runs in
# a READ ONLY transaction, which can write nothing, so ending it with COMMIT is what
# ROLLBACK would have done; psycopg keeps its prepared statements across a COMMIT.

_READS_ONLY = "kb_reads_only"


def mark_read(session: Session) -> None:
    """The session serves a request that only reads (before its first statement)."""
    session.info[_READS_ONLY] = True


@event.listens_for(Session, "after_begin")
def _begin_read_only(session: Session, _transaction: Any, connection: Connection) -> None:
    # SQLAlchemy's begin sends nothing on psycopg, which opens the transaction with the
    # first statement: as BEGIN READ ONLY once ``read_only`` is set (no round trip more).
    # A connection already in a transaction (a test's outer one) is left as it is.
    if session.info.get(_READS_ONLY) and connection.dialect.name == "postgresql":
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and _status(dbapi_connection) == "IDLE":
            dbapi_connection.read_only = True


def _commit_read(session: Session) -> None:
    """End a read's READ ONLY transaction with COMMIT, on PostgreSQL, when it is open
    and has not failed (a failed one is rolled back by ``close``, as before)."""
    if not session.in_transaction():
        return
    connection = session.connection()
    # A connection lost during the request (invalidated) has nothing to commit: ``close``
    # then only hands it back.
    if connection.dialect.name != "postgresql" or connection.invalidated or connection.closed:
        return
    dbapi_connection = connection.connection.dbapi_connection
    read_only = dbapi_connection is not None and dbapi_connection.read_only
    if read_only and _status(dbapi_connection) == "INTRANS":
        session.commit()


def _status(dbapi_connection: Any) -> str:
    """psycopg's transaction status: IDLE, INTRANS (open), INERROR (failed), ..."""
    return str(dbapi_connection.info.transaction_status.name)


def _writable_again(dbapi_connection: Any, record: Any) -> None:
    """A connection handed back after a read opens read-write transactions again. It
    is idle by now (the pool ended any transaction); one that is not is closed, and the
    pool opens a new one in its place, rather than lend a read-only connection to a
    write."""
    if getattr(dbapi_connection, "read_only", None):
        try:
            dbapi_connection.read_only = None
        except Exception:
            record.invalidate()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


# Any constant will do: every writer of the knowledge base (the curation API, kb seed)
# takes the same lock.
_WRITE_LOCK = 0x736D6B6B62  # "smkkb"


def lock_writes(conn: Connection) -> None:
    """Serialise the knowledge base's writers for the rest of this transaction:
    ``BEGIN IMMEDIATE`` on SQLite (the write lock at the start, so a writer waits under
    the busy timeout instead of failing when it upgrades a read lock), a
    transaction-scoped advisory lock on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK})
        return
    raw = conn.connection.dbapi_connection
    # Inside an enclosing transaction (a test's) the lock is already the caller's.
    if raw is not None and not getattr(raw, "in_transaction", False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
