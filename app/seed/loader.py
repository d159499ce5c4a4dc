"""The idempotent seed of one document: apply exactly the difference between the rows
the document should own and the rows it owns, in one transaction, then record a new
version and a change for every entity whose body changed.

Only rows owned by the document are read, updated or deleted: a row of another
origin (curated through the API, generated) survives every reseed. Facts are matched
on their natural key, so a fact whose value changed keeps its id.

Edits made through the curation API to the document's own rows are never silently
overwritten. A row the API edited carries ``curated_by`` (on an entity the mark covers
its subtype row and its sources; on a fact, its sources); a row the API deleted left a
tombstone. The seed leaves a curated row as it is stored when it wants other values or
sources for it, or no longer wants it at all, and it does not insert a tombstoned row
again, nor any row that depends on one through a foreign key (the closure is derived
from ``Base.metadata``). Each case is a ``Conflict`` in the report. A curated row the
seed agrees with is no conflict and keeps its mark. With ``force`` the seed's values
win: curated rows are overwritten (their mark cleared), their API-added sources
replaced by the seed's, and tombstoned rows inserted again (their tombstones deleted).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app.core.db import lock_writes
from app.models import Base, Document, Entity, Tombstone
from app.models.source import FACT_COLUMNS
from app.provenance.changes import iso_timestamp, record_changes
from app.provenance.service import load_bodies
from app.search.index import reindex
from app.seed.dataset import DataError, DataProblem, load_dataset
from app.seed.rows import KEYED_TABLES, SUBTYPE_TABLE_NAMES, TABLE_ORDER, Row, Rows, build_rows

ARTICLE_DOCUMENT = "article-socialist-movement-of-kazakhstan"
SEED_ACTOR = "seed"
_BATCH = 5000
# Entity columns the seed does not set: the change log maintains them.
_VERSION_COLUMNS = frozenset({"version", "updated_at"})
# The mark of a row edited through the curation API: read and cleared (--force) by the
# seed, never compared as a value.
_MARK = "curated_by"
# Columns that say where a row comes from, not what it states.
_BOOKKEEPING = frozenset({"id", "natural_key", "document_id", _MARK})
_ENTITY_TABLES = frozenset({"entity", *SUBTYPE_TABLE_NAMES})

Values = dict[str, Any]
_T = TypeVar("_T")
ConflictKind = Literal["edited", "sources", "removed", "deleted"]


class Dependent(NamedTuple):
    """A row a conflict decided about besides its own: a desired row not inserted because
    it depends on a deleted one, a reference to it left empty, or a stored row kept
    because a kept curated row refers to it."""

    table: str
    row_id: str
    effect: str  # "not inserted", "kept", or "<column> left empty"


@dataclass(frozen=True)
class Conflict:
    """A row of the document that was changed through the API and that the seed wants
    otherwise. ``curated`` and ``seed`` hold the values that differ (``sources``: the
    lists of citation and quote); ``curated`` is None for a row deleted through the API,
    ``seed`` is None for a row the seed no longer has."""

    kind: ConflictKind
    table: str
    fact_id: str  # the row's id: an entity's, a citation's or a fact's
    natural_key: str | None
    entity_id: str | None  # the entity itself, or the entity the fact belongs to
    curated_by: str  # the API key that edited or deleted the row
    curated: Values | None
    seed: Values | None
    at: dt.datetime | None = None  # when the row was deleted through the API
    dependents: tuple[Dependent, ...] = ()
    overwritten: bool = False  # --force: the seed's values were written

    def render(self) -> list[str]:
        name = f"{self.table} {self.fact_id}"
        if self.natural_key and self.natural_key != self.fact_id:
            name += f" ({_short(self.natural_key, 60)})"
        if self.entity_id and self.entity_id != self.fact_id:
            name += f" of entity {self.entity_id}"
        by = self.curated_by
        what = {
            "edited": f"edited through the API by {by}",
            "sources": f"sources edited through the API by {by}",
            "removed": f"edited through the API by {by}, no longer in the seed",
            "deleted": f"deleted through the API by {by} at {_stamp(self.at)}",
        }[self.kind]
        outcome = {
            "edited": ("kept the curated values", "overwritten with the seed's"),
            "sources": ("kept the curated sources", "put back to the seed's"),
            "removed": ("kept", "deleted"),
            "deleted": ("not inserted again", "inserted again"),
        }[self.kind][self.overwritten]
        lines = [f"  {name}: {what}: {outcome}"]
        if self.curated is not None and self.seed is not None:
            lines += [
                f"    {column}: curated {_show(value)}, seed {_show(self.seed.get(column))}"
                for column, value in self.curated.items()
            ]
        elif self.curated is not None:
            lines.append(f"    curated: {_show_values(self.curated)}")
        elif self.seed is not None:
            lines.append(f"    seed: {_show_values(self.seed)}")
        not_inserted = Counter(d.table for d in self.dependents if d.effect == "not inserted")
        if not_inserted:
            counts = ", ".join(f"{n} {table}" for table, n in not_inserted.items())
            lines.append(f"    not inserted either, as they depend on it: {counts}")
        kept = [f"{d.table} {d.row_id}" for d in self.dependents if d.effect == "kept"]
        if kept:
            lines.append(f"    kept with it, as it refers to them: {_listed(kept)}")
        emptied = [
            f"{d.table} {d.row_id} {d.effect.removesuffix(' left empty')}"
            for d in self.dependents
            if d.effect.endswith(" left empty")
        ]
        if emptied:
            lines.append(f"    references to it left empty: {_listed(emptied)}")
        return lines


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, list):
        return "[" + "; ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return " ".join(_show(item) if k == "quote" else str(item) for k, item in value.items())
    if isinstance(value, str):
        return f'"{_short(value)}"'
    return str(value)


def _show_values(values: Values) -> str:
    return ", ".join(f"{column} {_show(value)}" for column, value in values.items())


def _listed(items: list[str], limit: int = 6) -> str:
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _stamp(at: dt.datetime | None) -> str:
    return "an unknown time" if at is None else iso_timestamp(at)


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
    conflicts: list[Conflict] = field(default_factory=list)
    forced: bool = False

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
        if self.conflicts:
            lines.append("")
            lines.append("Conflicts with edits made through the API:")
            for conflict in self.conflicts:
                lines += conflict.render()
            lines.append(self.conflict_summary())
        return "\n".join(lines)

    def conflict_summary(self) -> str:
        count = len(self.conflicts)
        noun = "conflict" if count == 1 else "conflicts"
        if self.forced:
            return f"{count} {noun} with curated edits: took the seed's values (--force)"
        return (
            f"{count} {noun} with curated edits: kept the curated values"
            " (kb seed --force to take the seed's)"
        )


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in _VERSION_COLUMNS]


class _Reference(NamedTuple):
    column: str  # the referring column
    table: str  # the referred table
    target: str  # the referred column
    set_null: bool  # ON DELETE SET NULL: the row outlives what it refers to


@cache
def _references(name: str) -> tuple[_Reference, ...]:
    """The table's foreign keys into the seeded tables, in column order."""
    return tuple(
        _Reference(
            column.name,
            fk.column.table.name,
            fk.column.name,
            (fk.ondelete or "").upper() == "SET NULL" and bool(column.nullable),
        )
        for column in _table(name).columns
        for fk in column.foreign_keys
        if fk.column.table.name in TABLE_ORDER
    )


@cache
def _referred(name: str) -> tuple[str, ...]:
    """The table's columns that other seeded tables refer to."""
    return tuple(sorted({r.target for t in TABLE_ORDER for r in _references(t) if r.table == name}))


@cache
def _covered(name: str) -> tuple[str, ...]:
    """Tables whose rows extend a row of this one under the same key (an entity's subtype
    row): the curation mark of the row covers them."""
    return tuple(
        t
        for t in TABLE_ORDER
        if any(r.table == name and _table(t).c[r.column].primary_key for r in _references(t))
    )


# The column of ``source`` that points at each kind of row a source supports.
_SOURCE_TARGETS = {r.table: r.column for r in _references("source") if r.column in FACT_COLUMNS}


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


def _chunks(items: list[_T]) -> list[list[_T]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


def _check_foreign_entities(
    conn: Connection, document_id: str, desired: Mapping[str, dict[str, Row]]
) -> None:
    """An entity or citation id the document wants but another origin owns is a conflict
    the seed must not resolve by taking the row over."""
    problems: list[DataProblem] = []
    for name in ("entity", "citation"):
        table = _table(name)
        for chunk in _chunks(list(desired[name])):
            taken = conn.execute(
                select(table.c.id, table.c.document_id).where(
                    table.c.id.in_(chunk),
                    (table.c.document_id != document_id) | table.c.document_id.is_(None),
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


# --- Curated rows and tombstones --------------------------------------------------------

Tables = dict[str, dict[str, Row]]
Target = tuple[str, str]  # (source column, id of the row the source supports)


@dataclass
class _Plan:
    """What the seed does besides the plain difference of the rows left to compare."""

    conflicts: list[Conflict] = field(default_factory=list)
    dependents: dict[int, list[Dependent]] = field(default_factory=lambda: defaultdict(list))
    api_sources: list[str] = field(default_factory=list)  # --force: to delete
    tombstones: list[tuple[str, str]] = field(default_factory=list)  # --force: to delete

    def add(self, conflict: Conflict) -> int:
        self.conflicts.append(conflict)
        return len(self.conflicts) - 1

    def finished(self) -> list[Conflict]:
        done = [
            replace(c, dependents=tuple(self.dependents.get(i, ()))) if i in self.dependents else c
            for i, c in enumerate(self.conflicts)
        ]
        # By entity and row; a row's own conflicts in the order found (row, subtype, sources).
        return sorted(done, key=lambda c: (c.entity_id or "", c.fact_id))


def _values(row: Row) -> Values:
    return {c: v for c, v in row.items() if c not in _BOOKKEEPING and v is not None}


def _target(row: Row) -> Target | None:
    for column in _SOURCE_TARGETS.values():
        if row.get(column) is not None:
            return column, str(row[column])
    return None


def _by_target(sources: dict[str, Row]) -> dict[Target, list[str]]:
    found: dict[Target, list[str]] = defaultdict(list)
    for key, row in sources.items():
        if (target := _target(row)) is not None:
            found[target].append(key)
    return found


def _source_values(rows: list[Row]) -> list[dict[str, str]]:
    return [
        {"citation": citation, "quote": quote}
        for citation, quote in sorted({(r["citation_id"], r["quote"]) for r in rows})
    ]


class _Owners:
    """The entity a row belongs to: the entity itself, or the first entity a fact refers
    to (a source: the entity of what it supports). None for a citation."""

    def __init__(self, *tables: Tables) -> None:
        self.facts = {
            (name, row["id"]): row
            for rows in tables
            for name in KEYED_TABLES
            for row in rows[name].values()
        }

    def of(self, name: str, row: Row) -> str | None:
        if name in _ENTITY_TABLES:
            return str(row["id"])
        for ref in _references(name):
            value = row.get(ref.column)
            if value is None:
                continue
            if ref.table in _ENTITY_TABLES:
                return str(value)
            if (target := self.facts.get((ref.table, value))) is not None:
                return self.of(ref.table, target)
        return None


def _tombstones(conn: Connection, document_id: str) -> dict[tuple[str, str], tuple[str, Any]]:
    t = _table(Tombstone.__tablename__)
    rows = conn.execute(
        select(t.c.table_name, t.c.natural_key, t.c.actor, t.c.at).where(
            t.c.document_id == document_id
        )
    )
    return {(r.table_name, r.natural_key): (r.actor, r.at) for r in rows}


def _honour_tombstones(
    conn: Connection,
    document_id: str,
    desired: Tables,
    stored: Tables,
    plan: _Plan,
    owners: _Owners,
    *,
    force: bool,
) -> None:
    """A desired row deleted through the API is not inserted again, nor is any desired row
    that needs it through a foreign key (the database would have cascaded the delete to
    it); a reference that the database sets to NULL on delete is left empty instead.
    With ``force`` the rows are inserted and their tombstones go."""
    tombstones = _tombstones(conn, document_id)
    if not tombstones:
        return
    # Per table: (column, value) of each dropped row's referred columns -> its conflict.
    dropped: dict[str, dict[tuple[str, Any], int]] = {name: {} for name in TABLE_ORDER}
    for name in TABLE_ORDER:  # parents first, so one pass reaches every dependent
        for key, row in list(desired[name].items()):
            mark = tombstones.get((name, key)) if key not in stored[name] else None
            if mark is not None:
                actor, at = mark
                cause = plan.add(
                    Conflict(
                        "deleted",
                        name,
                        str(row["id"]),
                        row.get("natural_key"),
                        owners.of(name, row),
                        actor,
                        None,
                        _values(row),
                        at=at,
                        overwritten=force,
                    )
                )
                if force:
                    plan.tombstones.append((name, key))
                    continue
            else:
                needed = None if force else _needs_dropped(name, row, dropped, plan)
                if needed is None:
                    continue
                cause = needed
            del desired[name][key]
            for column in _referred(name):
                dropped[name][(column, row[column])] = cause


def _needs_dropped(
    name: str, row: Row, dropped: dict[str, dict[tuple[str, Any], int]], plan: _Plan
) -> int | None:
    """The conflict of a dropped row that ``row`` cannot exist without, if any; references
    to a dropped row that the database sets to NULL on delete are emptied instead."""
    hits = [
        (ref, hit)
        for ref in _references(name)
        if (hit := dropped[ref.table].get((ref.target, row[ref.column]))) is not None
    ]
    for ref, hit in hits:
        if not ref.set_null:
            plan.dependents[hit].append(Dependent(name, str(row["id"]), "not inserted"))
            return hit
    for ref, hit in hits:
        row[ref.column] = None
        plan.dependents[hit].append(Dependent(name, str(row["id"]), f"{ref.column} left empty"))
    return None


def _api_sources(conn: Connection, targets: list[Target]) -> dict[Target, list[Row]]:
    """Sources of no document (added through the API) of the given rows."""
    source = _table("source")
    found: dict[Target, list[Row]] = defaultdict(list)
    by_column: dict[str, list[str]] = defaultdict(list)
    for column, target_id in targets:
        by_column[column].append(target_id)
    for column, ids in by_column.items():
        for chunk in _chunks(ids):
            rows = conn.execute(
                select(source.c.id, source.c.citation_id, source.c.quote, source.c[column]).where(
                    source.c.document_id.is_(None), source.c[column].in_(chunk)
                )
            ).mappings()
            for row in rows:
                found[(column, row[column])].append(dict(row))
    return found


def _honour_curation(
    conn: Connection,
    desired: Tables,
    stored: Tables,
    plan: _Plan,
    owners: _Owners,
    *,
    force: bool,
) -> None:
    """Set aside (leave as stored) every curated row, with the rows its mark covers and
    its sources, and report where the seed wants otherwise. With ``force`` a curated row
    in conflict is left in the comparison instead: the seed's values (and an empty mark)
    overwrite it, and its API-added sources are deleted."""
    heads = [
        (name, key)
        for name in TABLE_ORDER
        if _MARK in _table(name).c
        for key, row in stored[name].items()
        if row[_MARK] is not None
    ]
    if not heads:
        return
    desired_sources = _by_target(desired["source"])
    stored_sources = _by_target(stored["source"])
    targets = [
        (_SOURCE_TARGETS[name], str(stored[name][key]["id"]))
        for name, key in heads
        if name in _SOURCE_TARGETS
    ]
    api_sources = _api_sources(conn, targets)
    kept: list[tuple[str, Row, int | None]] = []
    for name, key in heads:
        row = stored[name].get(key)
        if row is None:
            continue  # set aside already: a source of a curated fact
        curator, row_id = str(row[_MARK]), str(row["id"])
        parts = [(name, key), *((t, key) for t in _covered(name))]
        target = (_SOURCE_TARGETS[name], row_id) if name in _SOURCE_TARGETS else None
        seed_sources = desired_sources.get(target, []) if target else []
        doc_sources = stored_sources.get(target, []) if target else []
        added = api_sources.get(target, []) if target else []
        # (kind, table, the curated values, the seed's values) of each conflict
        differences: list[tuple[ConflictKind, str, Values, Values | None]] = []
        if key not in desired[name]:
            differences.append(("removed", name, _values(row), None))
        else:
            for part, part_key in parts:
                old, new = stored[part].get(part_key, {}), desired[part].get(part_key, {})
                columns = [c for c in {**old, **new} if c != _MARK and old.get(c) != new.get(c)]
                if columns:
                    curated = {c: old.get(c) for c in columns}
                    differences.append(("edited", part, curated, {c: new.get(c) for c in columns}))
            curated_set = _source_values([stored["source"][k] for k in doc_sources] + added)
            seed_set = _source_values([desired["source"][k] for k in seed_sources])
            if target is not None and curated_set != seed_set:
                differences.append(
                    ("sources", name, {"sources": curated_set}, {"sources": seed_set})
                )
        owner = owners.of(name, row)
        found = [
            plan.add(
                Conflict(
                    kind,
                    table,
                    row_id,
                    row.get("natural_key"),
                    owner,
                    curator,
                    curated,
                    seed,
                    overwritten=force,
                )
            )
            for kind, table, curated, seed in differences
        ]
        if force and found:
            plan.api_sources += [str(s["id"]) for s in added]
            continue
        cause = found[0] if found else None
        for part, part_key in [*parts, *(("source", k) for k in seed_sources + doc_sources)]:
            desired[part].pop(part_key, None)
            if (gone := stored[part].pop(part_key, None)) is not None:
                kept.append((part, gone, cause))
    _keep_referents(desired, stored, kept, stored_sources, plan)


def _keep_referents(
    desired: Tables,
    stored: Tables,
    kept: list[tuple[str, Row, int | None]],
    stored_sources: dict[Target, list[str]],
    plan: _Plan,
) -> None:
    """A stored row the seed would delete but a kept row refers to is kept too, with the
    rows it covers and its sources: deleting it would cascade into the kept row."""
    index: dict[tuple[str, str], dict[Any, str]] = {}

    def find(table: str, column: str, value: Any) -> str | None:
        if (table, column) not in index:
            index[(table, column)] = {row[column]: k for k, row in stored[table].items()}
        return index[(table, column)].get(value)

    while kept:
        name, row, cause = kept.pop()
        for ref in _references(name):
            value = row.get(ref.column)
            key = None if value is None else find(ref.table, ref.target, value)
            if key is None or key in desired[ref.table] or key not in stored[ref.table]:
                continue
            target = stored[ref.table][key]
            column = _SOURCE_TARGETS.get(ref.table)
            sources = stored_sources.get((column, target["id"]), []) if column else []
            unit = [(ref.table, key), *((t, key) for t in _covered(ref.table))]
            for part, part_key in [*unit, *(("source", k) for k in sources)]:
                if (gone := stored[part].pop(part_key, None)) is None:
                    continue
                kept.append((part, gone, cause))
                if cause is not None and part != "source":
                    plan.dependents[cause].append(Dependent(part, str(gone["id"]), "kept"))


def _reconcile(
    conn: Connection, document_id: str, desired: Tables, stored: Tables, *, force: bool
) -> _Plan:
    """Take tombstones and curated rows out of (or, with ``force``, into) the comparison."""
    plan = _Plan()
    owners = _Owners(stored, desired)
    _honour_tombstones(conn, document_id, desired, stored, plan, owners, force=force)
    _honour_curation(conn, desired, stored, plan, owners, force=force)
    return plan


# --- Applying ----------------------------------------------------------------------------


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


def _delete_forced(conn: Connection, document_id: str, plan: _Plan) -> int:
    """--force: delete the API-added sources of overwritten rows and the tombstones of
    rows inserted again; returns the number of sources deleted."""
    source = _table("source")
    for chunk in _chunks(plan.api_sources):
        conn.execute(delete(source).where(source.c.id.in_(chunk)))
    tombstone = _table(Tombstone.__tablename__)
    for name, key in plan.tombstones:
        conn.execute(
            delete(tombstone).where(
                tombstone.c.table_name == name,
                tombstone.c.document_id == document_id,
                tombstone.c.natural_key == key,
            )
        )
    return len(plan.api_sources)


def _all_entity_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(Entity.id)).scalars())


def apply_rows(
    conn: Connection,
    rows: Rows,
    *,
    title: str,
    actor: str = SEED_ACTOR,
    force: bool = False,
) -> SeedReport:
    # The same lock as the curation API's writes: an API edit cannot commit between
    # this seed reading a row and writing it.
    lock_writes(conn)
    document_id = rows.document_id
    desired = {name: _complete(_table(name), rows.tables[name]) for name in TABLE_ORDER}
    stored = {name: _stored(conn, name, document_id) for name in TABLE_ORDER}
    _keep_stored_ids(desired, stored)
    totals = {name: len(desired[name]) for name in TABLE_ORDER}
    plan = _reconcile(conn, document_id, desired, stored, force=force)
    _check_foreign_entities(conn, document_id, desired)
    session = Session(bind=conn)
    # Every body, before and after: a seed-sized knowledge base has a few hundred, and
    # comparing whole bodies catches every change, including a renamed neighbour.
    before = load_bodies(session, _all_entity_ids(conn))

    _ensure_document(conn, document_id, title, rows.fingerprint())
    report = SeedReport(conflicts=plan.finished(), forced=force)
    api_deleted = _delete_forced(conn, document_id, plan)
    for name in reversed(TABLE_ORDER):
        gone = [row["id"] for key, row in stored[name].items() if key not in desired[name]]
        table = _table(name)
        for chunk in _chunks(gone):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
        report.tables[name] = TableChange(deleted=len(gone))
    report.tables["source"].deleted += api_deleted
    for name in TABLE_ORDER:
        applied = _apply_table(conn, name, desired[name], stored[name])
        applied.deleted = report.tables[name].deleted
        applied.total = totals[name]
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


def seed(
    engine: Engine, data_dir: Path, *, actor: str = SEED_ACTOR, force: bool = False
) -> SeedReport:
    """Load, check and apply the dataset. Raises DataError, writing nothing, on bad data.
    Edits made through the API win over the seed's values unless ``force``."""
    dataset = load_dataset(data_dir)
    rows = build_rows(dataset, ARTICLE_DOCUMENT)
    with engine.begin() as conn:
        return apply_rows(conn, rows, title=dataset.article.title, actor=actor, force=force)


def is_empty(engine: Engine) -> bool:
    table = _table("entity")
    with engine.connect() as conn:
        return conn.execute(select(table.c.id).limit(1)).first() is None
