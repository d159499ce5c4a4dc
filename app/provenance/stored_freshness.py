"""Start-up's check of the stored bodies (``app.provenance.stored``): rebuilt in full
when none is stored while entities exist, or when they were built in another format
than ``body_format()``, which changes whenever a read model's schema does (and with
``BODY_FORMAT``). A rebuild bumps the dataset revision, so running servers' response
caches drop answers made from the old bodies.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.orm import Session

from app.core.derived import DerivedTables, ensure_fresh
from app.models import Entity, StoredBody, StoredBodyState
from app.provenance.changes import bump_revision
from app.provenance.service import load_bodies
from app.provenance.stored import body_format, record_format, render, stored_format

_CHUNK = 500


def stale_reason(conn: Connection) -> str | None:
    """Why every stored body must be rebuilt, or None if they need not be."""
    if conn.execute(select(Entity.id).limit(1)).first() is None:
        return None
    if conn.execute(select(StoredBody.entity_id).limit(1)).first() is None:
        return "no body is stored"
    stored = stored_format(conn)
    if stored is None:
        return "the stored bodies were built before their format was recorded"
    if stored != body_format():
        return f"the stored bodies are in format {stored}, not {body_format()}"
    return None


def rebuild_stored_bodies(conn: Connection) -> int:
    """Store every entity's body afresh and record the format; returns how many. The
    caller's transaction makes it all or nothing."""
    conn.execute(delete(StoredBody))
    ids = list(conn.execute(select(Entity.id).order_by(Entity.id)).scalars())
    with Session(bind=conn) as session:
        for i in range(0, len(ids), _CHUNK):
            chunk = load_bodies(session, ids[i : i + _CHUNK])
            rows = [
                {"entity_id": eid, "type": b.type, "version": b.version, "body": render(b).decode()}
                for eid, b in chunk.items()
            ]
            if rows:
                conn.execute(insert(StoredBody), rows)
    record_format(conn, len(ids))
    bump_revision(conn)
    return len(ids)


STORED_BODIES = DerivedTables(
    marker_table=StoredBodyState.__tablename__,
    stale_reason=stale_reason,
    is_marked=lambda conn: stored_format(conn) == body_format(),
    record=record_format,
    rebuild=rebuild_stored_bodies,
)


def ensure_stored_bodies(engine: Engine) -> tuple[str, int] | None:
    """Rebuild the stored bodies if they are out of date (a database below migration
    0009 is left alone)."""
    return ensure_fresh(engine, STORED_BODIES)
