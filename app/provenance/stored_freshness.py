"""Start-up's check of the stored bodies (``app.provenance.stored``): rebuilt in full
when none is stored while entities exist, or when they were built in another format
than ``body_format()``, which changes whenever a read model's schema does (and with
``BODY_FORMAT``). A rebuild bumps the dataset revision, so running servers' response
caches drop answers made from the old bodies.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update
from sqlalchemy.orm import Session

from app.models import DatasetRevision, Entity, StoredBody, StoredBodyState
from app.provenance.service import load_bodies
from app.provenance.stored import body_format, record_format, render, stored_format

REVISION_ROW_ID = 1
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
    conn.execute(
        update(DatasetRevision)
        .where(DatasetRevision.id == REVISION_ROW_ID)
        .values(revision=DatasetRevision.revision + 1, updated_at=dt.datetime.now(dt.UTC))
    )
    return len(ids)


def ensure_stored_bodies(engine: Engine) -> tuple[str, int] | None:
    """Rebuild the stored bodies if they are out of date: (why, how many) after a
    rebuild, None when nothing was due. Run under the start-up lock, after migrating
    (a database below migration 0009 is left alone)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(StoredBodyState.__tablename__):
            return None
        reason = stale_reason(conn)
        unmarked = stored_format(conn) != body_format()
    if reason is None:
        if unmarked:
            # No entities yet: the bodies every later write stores are in this format.
            with engine.begin() as conn:
                record_format(conn, 0)
        return None
    with engine.begin() as conn:
        return reason, rebuild_stored_bodies(conn)
