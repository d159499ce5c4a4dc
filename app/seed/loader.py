"""The idempotent seed of one document: apply exactly the difference between the rows
the document should own and the rows it owns, in one transaction, then record a new
version and a change for every entity whose body changed.

Only rows owned by the document are read, updated or deleted: a row of another
origin (curated through the API, generated) survives every reseed. Facts are matched
on their natural key, so a fact whose value changed keeps its id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app.models import Base, Document, Entity
from app.provenance.changes import record_changes
from app.provenance.service import load_bodies
from app.search.index import reindex
from app.seed.dataset import DataError, DataProblem, load_dataset
from app.seed.rows import KEYED_TABLES, SUBTYPE_TABLE_NAMES, TABLE_ORDER, Row, Rows, build_rows

ARTICLE_DOCUMENT = "article-socialist-movement-of-kazakhstan"
SEED_ACTOR = "seed"
_BATCH = 5000
# Entity columns the seed does not set: the change log maintains them.
_VERSION_COLUMNS = frozenset({"version", "updated_at", "curated_by"})
# The fact column of each table that a source may point at.
_SOURCE_TARGETS = {
    "alias": "alias_id",
    "membership": "membership_id",
    "relation": "relation_id",
    "participation": "participation_id",
    "event_place": "event_place_id",
    "event_figure": "event_figure_id",
    "claim": "claim_id",
    "statement": "statement_id",
}


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
    changes: int = 0

    @property
    def changed(self) -> bool:
        return self.changes > 0 or any(change.changed for change in self.tables.values())

    def render(self) -> str:
        width = max(len(t) for t in self.tables)
        lines = [f"{'table':<{width}}  {'rows':>6}  {'added':>6}  {'changed':>7}  {'removed':>7}"]
        for name, c in self.tables.items():
            lines.append(
                f"{name:<{width}}  {c.total:>6}  {c.inserted:>6}  {c.updated:>7}  {c.deleted:>7}"
            )
        verdict = "changed" if self.changed else "unchanged"
        lines.append(f"{self.changes} entity versions recorded in the change log")
        lines.append(f"dataset revision {self.revision} ({verdict})")
        return "\n".join(lines)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in _VERSION_COLUMNS]


def _complete(table: Table, rows: dict[str, Row]) -> dict[str, Row]:
    """Every column present in every row, so stored and desired rows compare equal."""
    blank = dict.fromkeys(_columns(table))
    return {key: {**blank, **row} for key, row in rows.items()}


def _stored(conn: Connection, name: str, document_id: str) -> dict[str, Row]:
    """The rows the document owns, keyed like the desired rows."""
    table = _table(name)
    columns = [table.c[c] for c in _columns(table)]
    if name in SUBTYPE_TABLE_NAMES:
        owner = select(Entity.id).where(Entity.document_id == document_id)
        statement = select(*columns).where(table.c.id.in_(owner))
    else:
        statement = select(*columns).where(table.c.document_id == document_id)
    key = "natural_key" if name in KEYED_TABLES else "id"
    return {row[key]: dict(row) for row in conn.execute(statement).mappings()}


def _chunks(items: list[Row]) -> list[list[Row]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


def _check_foreign_entities(conn: Connection, rows: Rows) -> None:
    """An entity or citation id the document wants but another origin owns is a conflict
    the seed must not resolve by taking the row over."""
    problems: list[DataProblem] = []
    for name in ("entity", "citation"):
        table = _table(name)
        wanted = list(rows.tables[name])
        for chunk in range(0, len(wanted), _BATCH):
            taken = conn.execute(
                select(table.c.id, table.c.document_id).where(
                    table.c.id.in_(wanted[chunk : chunk + _BATCH]),
                    (table.c.document_id != rows.document_id) | table.c.document_id.is_(None),
                )
            ).all()
            problems += [
                DataProblem(
                    "data",
                    f"{name} {row.id}",
                    f"already exists with another origin ({row.document_id or 'not seeded'});"
                    " the seed leaves it alone: rename one of them",
                )
                for row in taken
            ]
    if problems:
        raise DataError(problems)


def _keep_stored_ids(desired: dict[str, dict[str, Row]], stored: dict[str, dict[str, Row]]) -> None:
    """A desired fact whose key is stored takes the stored id; sources follow the move."""
    moved: dict[str, str] = {}
    for name in KEYED_TABLES:
        for key, row in desired[name].items():
            old = stored[name].get(key)
            if old is not None and old["id"] != row["id"]:
                moved[row["id"]] = old["id"]
                row["id"] = old["id"]
    if not moved:
        return
    for row in desired["source"].values():
        for column in _SOURCE_TARGETS.values():
            if row.get(column) in moved:
                row[column] = moved[row[column]]


def _apply_table(
    conn: Connection, name: str, desired: dict[str, Row], stored: dict[str, Row]
) -> TableChange:
    table = _table(name)
    new = [row for key, row in desired.items() if key not in stored]
    changed = [row for key, row in desired.items() if key in stored and stored[key] != row]
    if changed:
        columns = [c for c in _columns(table) if c != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in columns})
        )
        for chunk in _chunks(changed):
            conn.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in chunk])
    for chunk in _chunks(new):
        conn.execute(insert(table), chunk)
    return TableChange(total=len(desired), inserted=len(new), updated=len(changed))


def _all_entity_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(Entity.id)).scalars())


def apply_rows(conn: Connection, rows: Rows, *, title: str, actor: str = SEED_ACTOR) -> SeedReport:
    document_id = rows.document_id
    _check_foreign_entities(conn, rows)
    session = Session(bind=conn)
    # Every body, before and after: a seed-sized knowledge base has a few hundred, and
    # comparing whole bodies catches every change, including a renamed neighbour.
    before = load_bodies(session, _all_entity_ids(conn))

    _ensure_document(conn, document_id, title, rows.fingerprint())
    report = SeedReport()
    desired = {name: _complete(_table(name), rows.tables[name]) for name in TABLE_ORDER}
    stored = {name: _stored(conn, name, document_id) for name in TABLE_ORDER}
    _keep_stored_ids(desired, stored)
    for name in reversed(TABLE_ORDER):
        gone = [row["id"] for key, row in stored[name].items() if key not in desired[name]]
        table = _table(name)
        for i in range(0, len(gone), _BATCH):
            conn.execute(delete(table).where(table.c.id.in_(gone[i : i + _BATCH])))
        report.tables[name] = TableChange(deleted=len(gone))
    for name in TABLE_ORDER:
        applied = _apply_table(conn, name, desired[name], stored[name])
        applied.deleted = report.tables[name].deleted
        report.tables[name] = applied
    report.tables = {name: report.tables[name] for name in TABLE_ORDER}

    session.expire_all()
    after = load_bodies(session, _all_entity_ids(conn))
    touched = {eid for eid in after if before.get(eid) != after[eid]}
    reindex(conn, touched | (set(before) - set(after)))
    rows_changed = any(change.changed for change in report.tables.values())
    outcome = record_changes(conn, before, after, actor=actor, rows_changed=rows_changed)
    report.changes = outcome.changes
    report.revision = outcome.revision
    return report


def _ensure_document(conn: Connection, document_id: str, title: str, fingerprint: str) -> None:
    table = _table(Document.__tablename__)
    now = dt.datetime.now(dt.UTC)
    values = {"title": title, "fingerprint": fingerprint, "seeded_at": now}
    stored = conn.execute(select(table.c.fingerprint).where(table.c.id == document_id)).first()
    if stored is None:
        conn.execute(insert(table).values(id=document_id, **values))
    elif stored.fingerprint != fingerprint:
        conn.execute(update(table).where(table.c.id == document_id).values(**values))


def seed(engine: Engine, data_dir: Path, *, actor: str = SEED_ACTOR) -> SeedReport:
    """Load, check and apply the dataset. Raises DataError, writing nothing, on bad data."""
    dataset = load_dataset(data_dir)
    rows = build_rows(dataset, ARTICLE_DOCUMENT)
    with engine.begin() as conn:
        return apply_rows(conn, rows, title=dataset.article.title, actor=actor)


def is_empty(engine: Engine) -> bool:
    table = _table("entity")
    with engine.connect() as conn:
        return conn.execute(select(table.c.id).limit(1)).first() is None
