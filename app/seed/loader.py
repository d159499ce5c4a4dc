"""The idempotent seed: diff the desired rows against the database and apply exactly
the difference, in one transaction, then bump the dataset revision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, update

from app.models import Base, DatasetRevision
from app.seed.dataset import load_dataset
from app.seed.rows import TABLE_ORDER, Row, Rows, build_rows

REVISION_ROW_ID = 1
_BATCH = 5000


@dataclass
class TableChange:
    total: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deleted)


@dataclass
class SeedReport:
    tables: dict[str, TableChange] = field(default_factory=dict)
    revision: int = 0

    @property
    def changed(self) -> bool:
        return any(change.changed for change in self.tables.values())

    def render(self) -> str:
        width = max(len(t) for t in self.tables)
        lines = [f"{'table':<{width}}  {'rows':>6}  {'added':>6}  {'changed':>7}  {'removed':>7}"]
        for name, c in self.tables.items():
            lines.append(
                f"{name:<{width}}  {c.total:>6}  {c.inserted:>6}  {c.updated:>7}  {c.deleted:>7}"
            )
        verdict = "changed" if self.changed else "unchanged"
        lines.append(f"dataset revision {self.revision} ({verdict})")
        return "\n".join(lines)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _complete(table: Table, rows: dict[str, Row]) -> dict[str, Row]:
    """Every column present in every row, so stored and desired rows compare equal."""
    blank = {column.name: None for column in table.columns}
    return {row_id: {**blank, **row} for row_id, row in rows.items()}


def _stored(conn: Connection, table: Table) -> dict[str, Row]:
    return {row["id"]: dict(row) for row in conn.execute(select(table)).mappings()}


def _chunks(items: list[Row]) -> list[list[Row]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


def apply_rows(conn: Connection, rows: Rows) -> SeedReport:
    report = SeedReport()
    desired = {name: _complete(_table(name), rows.tables[name]) for name in TABLE_ORDER}
    stored = {name: _stored(conn, _table(name)) for name in TABLE_ORDER}
    for name in TABLE_ORDER:
        report.tables[name] = TableChange(total=len(desired[name]))

    for name in reversed(TABLE_ORDER):
        gone = [row_id for row_id in stored[name] if row_id not in desired[name]]
        table = _table(name)
        for i in range(0, len(gone), _BATCH):
            conn.execute(delete(table).where(table.c.id.in_(gone[i : i + _BATCH])))
        report.tables[name].deleted = len(gone)

    for name in TABLE_ORDER:
        table = _table(name)
        new = [row for row_id, row in desired[name].items() if row_id not in stored[name]]
        changed = [
            row
            for row_id, row in desired[name].items()
            if row_id in stored[name] and stored[name][row_id] != row
        ]
        if changed:
            columns = [c.name for c in table.columns if c.name != "id"]
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in columns})
            )
            for chunk in _chunks(changed):
                conn.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in chunk])
        for chunk in _chunks(new):
            conn.execute(insert(table), chunk)
        report.tables[name].inserted = len(new)
        report.tables[name].updated = len(changed)
    report.revision = _bump_revision(conn, rows.fingerprint(), report.changed)
    return report


def _bump_revision(conn: Connection, fingerprint: str, changed: bool) -> int:
    table = _table(DatasetRevision.__tablename__)
    current = conn.execute(select(table).where(table.c.id == REVISION_ROW_ID)).mappings().first()
    now = dt.datetime.now(dt.UTC)
    if current is None:
        conn.execute(
            insert(table).values(
                id=REVISION_ROW_ID, revision=1, fingerprint=fingerprint, updated_at=now
            )
        )
        return 1
    if not changed and current["fingerprint"] == fingerprint:
        return int(current["revision"])
    revision = int(current["revision"]) + 1
    conn.execute(
        update(table)
        .where(table.c.id == REVISION_ROW_ID)
        .values(revision=revision, fingerprint=fingerprint, updated_at=now)
    )
    return revision


def seed(engine: Engine, data_dir: Path) -> SeedReport:
    """Load, check and apply the dataset. Raises DataError, writing nothing, on bad data."""
    rows = build_rows(load_dataset(data_dir))
    with engine.begin() as conn:
        return apply_rows(conn, rows)


def is_empty(engine: Engine) -> bool:
    table = _table("entity")
    with engine.connect() as conn:
        return conn.execute(select(table.c.id).limit(1)).first() is None


def current_revision(conn: Connection) -> int:
    table = _table(DatasetRevision.__tablename__)
    value: Any = conn.execute(
        select(table.c.revision).where(table.c.id == REVISION_ROW_ID)
    ).scalar()
    return int(value or 0)
