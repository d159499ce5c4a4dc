"""Reading the change log: an entity's versions, the entity as it was, every change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.core.pagination import PageParams
from app.models import Change, DatasetRevision
from app.provenance.changes import iso_timestamp


def _version(row: Change) -> dict[str, Any]:
    return {
        "version": row.version,
        "at": iso_timestamp(row.at),
        "actor": row.actor,
        "op": row.op,
        "summary": row.summary,
        "patch": json.loads(row.patch),
    }


def entity_history(
    session: Session, entity_id: str, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Versions newest first; 404 for an id the log has never seen."""
    where = Change.entity_id == entity_id
    total = session.scalar(select(func.count()).where(where)) or 0
    if total == 0:
        raise NotFoundError(f"no entity with id {entity_id!r} has ever existed")
    rows = session.scalars(
        select(Change)
        .where(where)
        .order_by(Change.version.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return [_version(row) for row in rows], total


def entity_at_version(session: Session, entity_id: str, version: int) -> dict[str, Any]:
    row = session.scalar(
        select(Change).where(Change.entity_id == entity_id, Change.version == version)
    )
    if row is None:
        raise NotFoundError(f"{entity_id!r} has no version {version}; see its history")
    if row.body is None:
        raise NotFoundError(f"version {version} of {entity_id!r} is its deletion")
    body: dict[str, Any] = json.loads(row.body)
    return body


def _change(row: Change) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": iso_timestamp(row.at),
        "entity": row.entity_id,
        "entity_type": row.entity_type,
        "op": row.op,
        "version": row.version,
        "actor": row.actor,
    }


def changes_after(session: Session, since: int, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``limit`` changes after ``since`` and whether more follow, with no count (a
    count over a long log costs more than the page: the live stream polls this)."""
    rows = list(
        session.scalars(
            select(Change).where(Change.seq > since).order_by(Change.seq).limit(limit + 1)
        )
    )
    return [_change(row) for row in rows[:limit]], len(rows) > limit


def changes_since(session: Session, since: int, limit: int) -> dict[str, Any]:
    """Keyset paging on ``seq``: a page never shifts while writes go on."""
    rows = list(
        session.scalars(select(Change).where(Change.seq > since).order_by(Change.seq).limit(limit))
    )
    total = session.scalar(select(func.count()).where(Change.seq > since)) or 0
    newest = session.scalar(select(DatasetRevision.seq)) or 0
    last = rows[-1].seq if rows else since
    following = total > len(rows)
    return {
        "items": [_change(row) for row in rows],
        "total": total,
        "limit": limit,
        "next": f"/v1/changes?since={last}&limit={limit}" if following else None,
        "seq": int(newest),
    }
