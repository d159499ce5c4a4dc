"""Derived tables (the search tables, the stored bodies): computed from the entities,
written by every write for the entities it touches, and rebuilt in full at start-up
when they are missing or were built in another format than the code's. One procedure
for every kind, so that each only says how to tell, record and rebuild."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect


@dataclass(frozen=True)
class DerivedTables:
    # The table recording the format; a database migrated below it is left alone.
    marker_table: str
    # Why everything must be rebuilt, or None.
    stale_reason: Callable[[Connection], str | None]
    # Whether the recorded format is the code's.
    is_marked: Callable[[Connection], bool]
    # Record the code's format (and how many entities were built).
    record: Callable[[Connection, int], None]
    # Rebuild everything, record the format; returns how many entities.
    rebuild: Callable[[Connection], int]


def ensure_fresh(engine: Engine, tables: DerivedTables) -> tuple[str, int] | None:
    """Rebuild ``tables`` if they are out of date: (why, entities) after a rebuild, None
    when nothing was due (then only read: a read-only database still starts). Run under
    the start-up lock, after migrating."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(tables.marker_table):
            return None
        reason = tables.stale_reason(conn)
        marked = tables.is_marked(conn)
    if reason is None:
        if not marked:
            # No entities yet: the rows every later write (the first seed) makes are
            # in this format.
            with engine.begin() as conn:
                tables.record(conn, 0)
        return None
    with engine.begin() as conn:
        return reason, tables.rebuild(conn)
