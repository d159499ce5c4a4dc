"""Reading the whole knowledge base in batches, never all of it at once.

Entities are read in id order, ``BATCH_SIZE`` ids at a time (keyset paging on the
primary key), and each batch's bodies come from one ``load_bodies`` call: a fixed
number of SELECTs per batch, whatever the batch holds. Tables are read the same way,
``ROW_BATCH_SIZE`` rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Table, select
from sqlalchemy.orm import Session

from app.models import Entity
from app.provenance.schemas import AnyEntityRead
from app.provenance.service import load_bodies

BATCH_SIZE = 500
ROW_BATCH_SIZE = 5000


def entity_ids(
    session: Session, *, entity_type: str | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[list[str]]:
    """Every entity id (of one type, if given), in id order, a batch at a time."""
    last: str | None = None
    while True:
        statement = select(Entity.id).order_by(Entity.id).limit(batch_size)
        if entity_type is not None:
            statement = statement.where(Entity.type == entity_type)
        if last is not None:
            statement = statement.where(Entity.id > last)
        ids = list(session.scalars(statement))
        if not ids:
            return
        yield ids
        last = ids[-1]


def entity_bodies(
    session: Session, *, entity_type: str | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[list[AnyEntityRead]]:
    """Full bodies, exactly as the API serves them, in id order, a batch at a time."""
    for ids in entity_ids(session, entity_type=entity_type, batch_size=batch_size):
        bodies = load_bodies(session, ids)
        yield [bodies[i] for i in ids if i in bodies]


def table_rows(
    session: Session,
    table: Table,
    columns: Sequence[Column[Any]],
    *,
    batch_size: int = ROW_BATCH_SIZE,
) -> Iterator[list[dict[str, Any]]]:
    """The rows of a table with an ``id`` primary key, in id order, a batch at a time."""
    key = table.c.id
    last: Any = None
    while True:
        statement = select(*columns).order_by(key).limit(batch_size)
        if last is not None:
            statement = statement.where(key > last)
        rows = [dict(row) for row in session.execute(statement).mappings()]
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]
