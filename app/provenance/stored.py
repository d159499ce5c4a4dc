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
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    FromClause,
    LargeBinary,
    Select,
    Table,
    bindparam,
    delete,
    insert,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.models import Entity, StoredBody, StoredBodyState
from app.provenance.schemas import READ_MODELS, AnyEntityRead

# Bump when the same data would be assembled into different bodies with the same
# schemas (an order, a rule); a schema change bumps the format by itself.
BODY_FORMAT = 1
# The one row of entity_body_state.
STATE_ROW_ID = 1
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
_ENTITY: Table = Entity.__table__  # type: ignore[assignment]
_STATE: Table = StoredBodyState.__table__  # type: ignore[assignment]
# Only a body of the entity's current version, stored in the code's format, is served:
# a row left behind by a process that changed the entity without storing (code from
# before stored bodies, during a rolling upgrade) or stored another format (a read-only
# database start-up could not rebuild) is not read, and the body is assembled instead.
# Both checks are joins on primary keys. Built once: a statement made per call costs
# more than the lookup it runs.
_OF_CURRENT_VERSION = (_ENTITY.c.id == _TABLE.c.entity_id) & (_ENTITY.c.version == _TABLE.c.version)
_IN_FORMAT = (_STATE.c.id == STATE_ROW_ID) & (_STATE.c.format == bindparam("format"))
_CURRENT = _TABLE.join(_ENTITY, _OF_CURRENT_VERSION).join(_STATE, _IN_FORMAT)


class _Utf8Bytes(FunctionElement[bytes]):
    """A text column read as its UTF-8 bytes, which is what is served: the driver's
    decoding into a str and the encoding back cost 65 µs for a 29 KB body on SQLite,
    the read as bytes 9 µs."""

    type = LargeBinary()
    inherit_cache = True


@compiles(_Utf8Bytes, "sqlite")
def _sqlite_bytes(element: _Utf8Bytes, compiler: SQLCompiler, **kw: Any) -> str:
    # The database's encoding is UTF-8 (never changed here): a cast keeps its bytes.
    return f"CAST({compiler.process(element.clauses, **kw)} AS BLOB)"


@compiles(_Utf8Bytes, "postgresql")
def _postgresql_bytes(element: _Utf8Bytes, compiler: SQLCompiler, **kw: Any) -> str:
    # Not a cast to bytea, which would read backslashes in the text as escapes.
    return f"convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')"


_BODY: ColumnElement[bytes] = _Utf8Bytes(_TABLE.c.body)
_ONE = (
    select(_TABLE.c.type, _TABLE.c.version, _BODY)
    .select_from(_CURRENT)
    .where(_TABLE.c.entity_id == bindparam("id"))
)
_MANY = (
    select(_TABLE.c.entity_id, _TABLE.c.type, _TABLE.c.version, _BODY)
    .select_from(_CURRENT)
    .where(_TABLE.c.entity_id.in_(bindparam("ids", expanding=True)))
)


def _connection(session: Session | Connection) -> Connection:
    # Core on the session's connection: the same transaction, without the ORM's layers.
    return session.connection() if isinstance(session, Session) else session


def stored_body(session: Session | Connection, entity_id: str) -> Stored | None:
    """The stored body of one entity: one primary-key lookup."""
    row = _connection(session).execute(_ONE, {"id": entity_id, "format": body_format()}).first()
    return None if row is None else Stored(row[0], row[1], row[2])


class BodyLookup:
    """``stored_body`` as a DBAPI statement compiled once for a dialect, run on a driver
    connection: what the cold read path of an entity detail runs. Through a session or
    SQLAlchemy's ``execute`` the same lookup cost four to six times as much (measured:
    about 200 µs against 30-50 µs on SQLite), several times the read itself."""

    def __init__(self, dialect: Dialect) -> None:
        compiled = _ONE.compile(dialect=dialect)
        self.sql = compiled.string
        self._values = compiled.construct_params({"id": "", "format": ""})
        # The driver's parameter style: a tuple in this order (SQLite), or a mapping.
        self._order = compiled.positiontup

    def _params(self, entity_id: str) -> Any:
        given = {**self._values, "id": entity_id, "format": body_format()}
        return given if self._order is None else tuple(given[name] for name in self._order)

    def run(self, dbapi_connection: Any, entity_id: str) -> Stored | None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, self._params(entity_id))
            # Every row, so the statement is finished: an unfinished one would hold
            # SQLite's read snapshot open on the connection.
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not rows:
            return None
        kind, version, body = rows[0]
        return Stored(kind, version, bytes(body))


def current_bodies(page: FromClause, entity_id: ColumnElement[str]) -> Select[Any]:
    """The id, version and bytes of the current stored body of each row of ``page``
    (whose column ``entity_id`` holds an entity id), for those that have one;
    ``format`` is bound as in ``stored_body``."""
    return select(_TABLE.c.entity_id, _TABLE.c.version, _BODY).select_from(
        page.join(_TABLE, _TABLE.c.entity_id == entity_id)
        .join(_ENTITY, _OF_CURRENT_VERSION)
        .join(_STATE, _IN_FORMAT)
    )


def stored_bodies(session: Session | Connection, ids: Collection[str]) -> dict[str, Stored]:
    """The stored bodies of the given ids (absent: no such entity, or not stored)."""
    if not ids:
        return {}
    rows = _connection(session).execute(_MANY, {"ids": list(ids), "format": body_format()})
    return {row[0]: Stored(row[1], row[2], row[3]) for row in rows}


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
    if stored_format(conn) is None:
        # The first bodies stored in a database no start-up has seen (kb seed into a
        # new database, kb generate): they are in this code's format.
        record_format(conn, 0)
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


def stored_format(conn: Connection) -> str | None:
    """The format the stored bodies were built in, as recorded (None: never recorded)."""
    return conn.execute(select(_STATE.c.format).where(_STATE.c.id == STATE_ROW_ID)).scalar()


def record_format(conn: Connection, entities: int) -> None:
    """Record that the stored bodies are in the code's format."""
    conn.execute(delete(_STATE).where(_STATE.c.id == STATE_ROW_ID))
    conn.execute(
        insert(_STATE).values(
            id=STATE_ROW_ID,
            format=body_format(),
            entities=entities,
            updated_at=dt.datetime.now(dt.UTC),
        )
    )
