"""Versions and the change log: one new version, and one appended change, for every
entity whose body a write changed, in the write's own transaction.

The change ``seq`` values and the dataset revision come from one
``UPDATE dataset_revision ... RETURNING``. That statement locks the counter row until
the transaction ends, so concurrent writers take their numbers one after the other and
``seq`` follows commit order: a reader of ``/v1/changes?since=N`` never sees a lower
number appear later.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from app.models import Change, DatasetRevision, Entity
from app.provenance.schemas import AnyEntityRead
from app.provenance.stored import store

REVISION_ROW_ID = 1
# Body fields the change log itself maintains: not part of what changed.
VERSION_FIELDS = ("version", "updated_at")
_CHUNK = 2000

Body = dict[str, Any]


@dataclass(frozen=True)
class ChangeOutcome:
    changes: int
    revision: int
    # The new version of each entity that got one, and when (UTC), so a writer can
    # stamp the bodies it already holds instead of loading them again.
    versions: Mapping[str, int] = field(default_factory=dict)
    at: dt.datetime | None = None


def content(body: AnyEntityRead) -> Body:
    """The body as JSON, without what the change log itself maintains."""
    dumped: Body = body.model_dump(mode="json", exclude={"as_of", *VERSION_FIELDS})
    return dumped


def iso_timestamp(value: dt.datetime) -> str:
    """UTC, second precision, with a Z (SQLite hands back naive datetimes: they are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def take_numbers(conn: Connection, changes: int) -> tuple[int, int]:
    """Bump the revision by one and the change seq by ``changes``, atomically; returns
    (the last seq taken, the new revision)."""
    table: Table = DatasetRevision.__table__  # type: ignore[assignment]
    now = dt.datetime.now(dt.UTC)
    taken = conn.execute(
        update(table)
        .where(table.c.id == REVISION_ROW_ID)
        .values(revision=table.c.revision + 1, seq=table.c.seq + changes, updated_at=now)
        .returning(table.c.seq, table.c.revision)
    ).first()
    if taken is not None:
        return int(taken[0]), int(taken[1])
    conn.execute(
        insert(table).values(
            id=REVISION_ROW_ID, revision=1, seq=changes, fingerprint="", updated_at=now
        )
    )
    return changes, 1


def bump_revision(conn: Connection) -> None:
    """A new dataset revision with no change of its own (a derived table rebuilt):
    response caches drop answers made from the old rows."""
    table: Table = DatasetRevision.__table__  # type: ignore[assignment]
    conn.execute(
        update(table)
        .where(table.c.id == REVISION_ROW_ID)
        .values(revision=table.c.revision + 1, updated_at=dt.datetime.now(dt.UTC))
    )


def current_revision(conn: Connection) -> int:
    value = conn.execute(
        select(DatasetRevision.revision).where(DatasetRevision.id == REVISION_ROW_ID)
    ).scalar()
    return int(value or 0)


def _logged(conn: Connection, ids: list[str]) -> dict[str, int]:
    """The last logged version of each entity that has any change."""
    found: dict[str, int] = {}
    for i in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(Change.entity_id, func.max(Change.version))
            .where(Change.entity_id.in_(ids[i : i + _CHUNK]))
            .group_by(Change.entity_id)
        )
        found |= {row[0]: int(row[1]) for row in rows}
    return found


def _summary(op: str, old: Body | None, new: Body | None) -> str:
    if op != "update" or old is None or new is None:
        return {"create": "created", "delete": "deleted"}.get(op, op)
    fields = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "changed " + ", ".join(fields)


def record_changes(
    conn: Connection,
    before: Mapping[str, AnyEntityRead],
    after: Mapping[str, AnyEntityRead],
    *,
    actor: str,
    rows_changed: bool = False,
) -> ChangeOutcome:
    """Compare bodies before and after a write; give each changed entity its next version
    and append its change. An entity with no change yet (made before the log existed)
    gets a ``create`` change for its current version, so every entity has a history."""
    ids = sorted(set(before) | set(after))
    logged = _logged(conn, ids)
    pending: list[tuple[str, str, str, int, Body | None, Body | None]] = []
    for eid in ids:
        old, new = before.get(eid), after.get(eid)
        if new is None:
            assert old is not None
            pending.append((eid, old.type, "delete", old.version + 1, content(old), None))
        elif old is None:
            # An id given again after a delete continues its history.
            version = logged.get(eid, 0) + 1
            pending.append((eid, new.type, "create", version, None, content(new)))
        elif (old_content := content(old)) != (new_content := content(new)):
            pending.append((eid, new.type, "update", old.version + 1, old_content, new_content))
        elif eid not in logged:
            pending.append((eid, new.type, "create", new.version, None, new_content))
    if not pending and not rows_changed:
        return ChangeOutcome(0, current_revision(conn))
    last_seq, revision = take_numbers(conn, len(pending))
    now = dt.datetime.now(dt.UTC)
    stamp = iso_timestamp(now)
    versions = [
        {"b_id": eid, "b_version": version}
        for eid, _, op, version, _, _ in pending
        if op != "delete"
    ]
    if versions:
        entity: Table = Entity.__table__  # type: ignore[assignment]
        conn.execute(
            update(entity)
            .where(entity.c.id == bindparam("b_id"))
            .values(version=bindparam("b_version"), updated_at=now),
            versions,
        )
    first_seq = last_seq - len(pending) + 1
    rows = []
    for n, (eid, etype, op, version, was, now_is) in enumerate(pending):
        body = None if now_is is None else {**now_is, "version": version, "updated_at": stamp}
        rows.append(
            {
                "seq": first_seq + n,
                "at": now,
                "entity_id": eid,
                "entity_type": etype,
                "op": op,
                "version": version,
                "actor": actor,
                "summary": _summary(op, was, now_is),
                "patch": json.dumps(
                    jsonpatch.make_patch(was or {}, now_is or {}).patch, ensure_ascii=False
                ),
                "body": None if body is None else json.dumps(body, ensure_ascii=False),
            }
        )
    if rows:
        conn.execute(insert(Change), rows)
    new_versions = {eid: version for eid, _, op, version, _, _ in pending if op != "delete"}
    deleted = [eid for eid, _, op, _, _, _ in pending if op == "delete"]
    store(conn, after, new_versions, now, deleted)
    return ChangeOutcome(len(pending), revision, new_versions, now)
