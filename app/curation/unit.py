"""One write: one transaction that changes rows, appends the change log and reindexes
search for every entity whose body it touched.

Writers are serialised: ``BEGIN IMMEDIATE`` on SQLite (the write lock is taken at the
start, so a writer waits its turn under the busy timeout instead of failing when it
upgrades a read lock), and a transaction-scoped advisory lock on PostgreSQL. The
``If-Match`` check therefore reads the version no other writer can change before this
transaction commits: no lost update, on either engine. Writes are rare next to reads,
and each holds the lock for milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from app.core.db import lock_writes
from app.core.errors import NotFoundError, PreconditionFailedError, PreconditionRequiredError
from app.curation.keys import Actor
from app.models import Base, Entity, Tombstone
from app.provenance.changes import ChangeOutcome, record_changes
from app.provenance.listing import entity_etag
from app.provenance.schemas import AnyEntityRead
from app.provenance.service import load_bodies
from app.search.index import reindex


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def check_etag(entity_id: str, version: int, if_match: str | None, *, required: bool) -> None:
    current = entity_etag(entity_id, version)
    if if_match is None:
        if required:
            raise PreconditionRequiredError(
                f"send If-Match: {current} (the entity's current ETag) to change it"
            )
        return
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" not in tags and current not in tags:
        raise PreconditionFailedError(
            f"{entity_id!r} changed since you read it: it is now {current}; "
            "read it again, re-apply your change and retry",
            current,
        )


def precheck_if_match(
    session: Session, entity_id: str, if_match: str | None, entity_type: str
) -> None:
    """A stale or missing If-Match refused before the write lock is waited for: under
    contention most attempts are stale, and they need not queue behind the writer that
    made them so. Only an early answer: the write checks again under the lock."""
    version = session.execute(select(Entity.version).where(Entity.id == entity_id)).scalar()
    if version is not None:
        check_etag(entity_id, int(version), if_match, required=True)


class WriteUnit:
    """Collects the entities a write touches, with their bodies before it."""

    def __init__(self, session: Session, actor: Actor, data_dir: Path) -> None:
        self.session = session
        self.actor = actor
        self.data_dir = data_dir
        self.conn = session.connection()
        lock_writes(self.conn)
        self.before: dict[str, AnyEntityRead] = {}
        self._touched: set[str] = set()
        self.after: dict[str, AnyEntityRead] = {}
        self.outcome: ChangeOutcome | None = None
        self.rows_changed = False  # rows that show in no body changed (a new citation)
        self.now = dt.datetime.now(dt.UTC)

    def touch(self, ids: Iterable[str | None]) -> None:
        """Call before changing rows that show in these entities' bodies."""
        new = {i for i in ids if i} - self._touched
        if new:
            self.before |= load_bodies(self.session, new)
            self._touched |= new

    def version_of(self, entity_id: str) -> tuple[str, int]:
        row = self.conn.execute(
            select(Entity.type, Entity.version).where(Entity.id == entity_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no entity with id {entity_id!r}")
        return str(row.type), int(row.version)

    def check_if_match(self, entity_id: str, if_match: str | None, *, required: bool) -> str:
        """The entity's type; 428 without ``If-Match`` (when required), 412 when stale."""
        entity_type, version = self.version_of(entity_id)
        check_etag(entity_id, version, if_match, required=required)
        return entity_type

    def tombstone(self, table_name: str, row: dict[str, Any]) -> None:
        """Remember a deleted row its document's seed owned (see app.seed.loader)."""
        if row.get("document_id") is None:
            return
        key = row["natural_key"] if "natural_key" in row else row["id"]
        self.conn.execute(
            delete(Tombstone).where(
                Tombstone.table_name == table_name,
                Tombstone.document_id == row["document_id"],
                Tombstone.natural_key == key,
            )
        )
        self.conn.execute(
            insert(Tombstone).values(
                table_name=table_name,
                document_id=row["document_id"],
                natural_key=key,
                actor=self.actor.name,
                at=self.now,
            )
        )

    def finish(self) -> ChangeOutcome:
        """Bodies after, search rows, versions and the change log; the caller commits."""
        self.session.expire_all()
        after = load_bodies(self.session, self._touched)
        changed = {i for i in self._touched if self.before.get(i) != after.get(i)}
        reindex(self.conn, changed)
        self.outcome = record_changes(
            self.conn,
            self.before,
            after,
            actor=self.actor.name,
            rows_changed=bool(changed) or self.rows_changed,
        )
        # The bodies as committed: stamped with the versions just given, not loaded again.
        at = self.outcome.at
        self.after = {
            eid: body.model_copy(update={"version": self.outcome.versions[eid], "updated_at": at})
            if eid in self.outcome.versions and at is not None
            else body
            for eid, body in after.items()
        }
        return self.outcome
