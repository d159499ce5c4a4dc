"""Stored bodies: each entity's current body kept as the bytes the API serves.

``record_changes`` writes an entity's body whenever it gets a new version, in the
same transaction, so readers get a detail with one primary-key lookup and a list page
with one more SELECT, with no assembling and no validation (the way Wikibase keeps
each revision's JSON). The table is derived data (``app.provenance.stored_freshness`` rebuilds
it at start-up when it is due).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Connection, Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from app.models import StoredBody
from app.provenance.schemas import READ_MODELS, AnyEntityRead

# Bump when the same data would be assembled into different bodies with the same
# schemas (an order, a rule); a schema change bumps the format by itself.
BODY_FORMAT = 1
_CHUNK = 500


class Stored(NamedTuple):
    type: str
    version: int
    body: bytes


@lru_cache(maxsize=1)
def body_format() -> str:
    schemas = {name: model.model_json_schema() for name, model in READ_MODELS.items()}
    digest = hashlib.sha256(json.dumps(schemas, sort_keys=True).encode()).hexdigest()
    return f"{BODY_FORMAT}-{digest[:16]}"


def render(body: AnyEntityRead) -> bytes:
    """The JSON bytes the API serves for ``body`` (what FastAPI's response model and
    JSONResponse produce: field order kept, UTF-8, no spaces)."""
    return body.__pydantic_serializer__.to_json(body)


_TABLE: Table = StoredBody.__table__  # type: ignore[assignment]
# Built once: a statement made per call costs more than the lookup it runs.
_ONE = select(_TABLE.c.type, _TABLE.c.version, _TABLE.c.body).where(
    _TABLE.c.entity_id == bindparam("id")
)
_MANY = select(_TABLE.c.entity_id, _TABLE.c.type, _TABLE.c.version, _TABLE.c.body).where(
    _TABLE.c.entity_id.in_(bindparam("ids", expanding=True))
)


def _connection(session: Session | Connection) -> Connection:
    # Core on the session's connection: the same transaction, without the ORM's layers.
    return session.connection() if isinstance(session, Session) else session


def stored_body(session: Session | Connection, entity_id: str) -> Stored | None:
    """The stored body of one entity: one primary-key lookup."""
    row = _connection(session).execute(_ONE, {"id": entity_id}).first()
    return None if row is None else Stored(row[0], row[1], row[2].encode())


def stored_bodies(session: Session | Connection, ids: Collection[str]) -> dict[str, Stored]:
    """The stored bodies of the given ids (absent: no such entity, or not stored)."""
    if not ids:
        return {}
    rows = _connection(session).execute(_MANY, {"ids": list(ids)})
    return {row[0]: Stored(row[1], row[2], row[3].encode()) for row in rows}


def store(
    conn: Connection,
    bodies: Mapping[str, AnyEntityRead],
    versions: Mapping[str, int],
    at: dt.datetime,
    deleted: Collection[str] = (),
) -> None:
    """Store the bodies of the entities that got a new version (``versions``) at ``at``,
    stamped as the change log stamps them, and drop those of deleted entities."""
    table = _TABLE
    stamp = at.astimezone(dt.UTC).replace(microsecond=0)
    ids = list(versions)
    gone = [*deleted, *ids]
    for i in range(0, len(gone), _CHUNK):
        conn.execute(delete(table).where(table.c.entity_id.in_(gone[i : i + _CHUNK])))
    rows = []
    for eid in ids:
        body = bodies[eid].model_copy(update={"version": versions[eid], "updated_at": stamp})
        rows.append(
            {
                "entity_id": eid,
                "type": body.type,
                "version": versions[eid],
                "body": render(body).decode(),
            }
        )
    for i in range(0, len(rows), _CHUNK):
        conn.execute(insert(table), rows[i : i + _CHUNK])
