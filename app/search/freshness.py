"""Start-up's check of the search tables: rebuilt in full when they are empty while
entities exist, or were built in another format than ``INDEX_FORMAT`` (or before the
format was recorded: a database seeded at an old migration and upgraded since).

Reading is all a current index costs, so a read-only database starts when nothing is
due. A rebuild bumps the dataset revision, so a running server's response cache
stops serving answers computed from the old search rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, delete, insert, select

from app.core.derived import DerivedTables, ensure_fresh
from app.models import Entity, SearchIndexState, SearchName
from app.provenance.changes import bump_revision
from app.search.index import INDEX_FORMAT, reindex

STATE_ROW_ID = 1


def stale_reason(conn: Connection) -> str | None:
    """Why every entity's search rows must be rebuilt, or None if they need not be."""
    has_entities = conn.execute(select(Entity.id).limit(1)).first() is not None
    if not has_entities:
        return None
    stored = stored_format(conn)
    if conn.execute(select(SearchName.id).limit(1)).first() is None:
        return "the search tables are empty"
    if stored is None:
        return "the search tables were built before their format was recorded"
    if stored != INDEX_FORMAT:
        return f"the search tables are in format {stored}, not {INDEX_FORMAT}"
    return None


def stored_format(conn: Connection) -> int | None:
    return conn.execute(
        select(SearchIndexState.version).where(SearchIndexState.id == STATE_ROW_ID)
    ).scalar()


def _record(conn: Connection, entities: int) -> None:
    now = dt.datetime.now(dt.UTC)
    conn.execute(delete(SearchIndexState).where(SearchIndexState.id == STATE_ROW_ID))
    conn.execute(
        insert(SearchIndexState).values(
            id=STATE_ROW_ID, version=INDEX_FORMAT, entities=entities, updated_at=now
        )
    )


def rebuild_search_index(conn: Connection) -> int:
    """Rebuild every entity's search rows and record the format; returns the number of
    entities indexed. The caller's transaction makes it all or nothing."""
    ids = list(conn.execute(select(Entity.id).order_by(Entity.id)).scalars())
    reindex(conn, ids)
    _record(conn, len(ids))
    bump_revision(conn)
    return len(ids)


SEARCH_TABLES = DerivedTables(
    marker_table=SearchIndexState.__tablename__,
    stale_reason=stale_reason,
    is_marked=lambda conn: stored_format(conn) == INDEX_FORMAT,
    record=_record,
    rebuild=rebuild_search_index,
)


def ensure_search_index(engine: Engine) -> tuple[str, int] | None:
    """Rebuild the search tables if they are out of date (a database below migration
    0007 is left alone)."""
    return ensure_fresh(engine, SEARCH_TABLES)
