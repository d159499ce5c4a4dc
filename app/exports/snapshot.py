"""One consistent read of the whole knowledge base: the change ``seq`` and every row an
export writes come from the same snapshot, so the ``seq`` an export states matches its
data exactly.

* PostgreSQL: a ``REPEATABLE READ READ ONLY`` transaction. Its snapshot is taken at its
  first statement (the one reading ``seq``) and every later statement sees exactly that
  state, whatever commits meanwhile; being read-only it takes no lock a writer waits on.
* SQLite: one read transaction (``BEGIN``). pysqlite runs a SELECT outside any
  transaction, each seeing the latest commit; inside one, WAL gives every statement
  the snapshot of the transaction's first read, and writers go on meanwhile. An export
  reads each page about once, so the connection's page cache (64 MB, ``app.core.db``)
  would only hold memory: it is ``EXPORT_CACHE_KIB`` during the export, and set back
  when the snapshot closes.

Inside an enclosing transaction (the tests' rolled-back one) that transaction is the
snapshot already.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.core.db import close_session
from app.models import DatasetRevision
from app.provenance.changes import REVISION_ROW_ID

# SQLite's page cache during an export, in KiB.
EXPORT_CACHE_KIB = 8192


def _nothing() -> None:
    pass


@dataclass
class Snapshot:
    """A session in one read-only snapshot, with the counters it reflects."""

    session: Session
    seq: int
    revision: int
    updated_at: dt.datetime | None
    restore: Callable[[], None] = field(default=_nothing)

    def close(self) -> None:
        try:
            with contextlib.suppress(SQLAlchemyError):  # a lost connection is dropped anyway
                self.restore()
        finally:
            close_session(self.session)


def _small_page_cache(conn: Connection) -> Callable[[], None]:
    """Shrink the connection's SQLite page cache; returns what sets it back."""
    original = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA cache_size=-{EXPORT_CACHE_KIB}")

    def restore() -> None:
        conn.exec_driver_sql(f"PRAGMA cache_size={original}")

    return restore


def _begin_snapshot(session: Session) -> tuple[Connection, Callable[[], None]]:
    bind = session.get_bind()
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    if isinstance(bind, Connection) or raw is None:  # an enclosing transaction is one
        return conn, _nothing
    if conn.dialect.name == "postgresql":
        # SET TRANSACTION must come before any query of a transaction: make sure none is
        # open (nothing of this session has run yet; a no-op on an idle connection).
        raw.rollback()
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return conn, _nothing
    if conn.dialect.name == "sqlite" and not raw.in_transaction:
        restore = _small_page_cache(conn)
        conn.exec_driver_sql("BEGIN")
        return conn, restore
    return conn, _nothing


def open_snapshot(factory: sessionmaker[Session]) -> Snapshot:
    """A new session in its own snapshot; the caller closes it (``Snapshot.close``)."""
    session = factory()
    restore = _nothing
    try:
        conn, restore = _begin_snapshot(session)
        row = conn.execute(
            select(DatasetRevision.seq, DatasetRevision.revision, DatasetRevision.updated_at).where(
                DatasetRevision.id == REVISION_ROW_ID
            )
        ).first()
    except BaseException:
        Snapshot(session, 0, 0, None, restore).close()
        raise
    if row is None:  # nothing was ever written
        return Snapshot(session, 0, 0, None, restore)
    return Snapshot(session, int(row.seq or 0), int(row.revision), row.updated_at, restore)
