"""A migration that fails half-way leaves nothing behind: the whole upgrade is one
transaction on both engines (migrations/env.py), so the database stays at the revision
it started from, with the same tables, columns and rows. The same property makes a
SIGKILL harmless: test_startup_kill (slow) kills real ``kb migrate`` processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, event, inspect, text

from app.core.db import create_db_engine
from app.core.migrations import alembic_config, upgrade
from tests.test_migrations import _load_previous_head

State = tuple[str | None, dict[str, list[str]], int]


def _state(url: str) -> State:
    """The revision, every table's columns, and the number of entities."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            tables = {
                name: sorted(c["name"] for c in inspector.get_columns(name))
                for name in inspector.get_table_names()
            }
            version = None
            if "alembic_version" in tables:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            entities = 0
            if "entity" in tables:
                entities = int(conn.execute(text("SELECT count(*) FROM entity")).scalar() or 0)
        return version, tables, entities
    finally:
        engine.dispose()


@contextmanager
def dying_in_0006() -> Iterator[None]:
    """Every engine fails at migration 0006's first statement, after 0001 to 0005 ran."""

    def die(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "CREATE TABLE search_word" in statement:
            raise RuntimeError("the machine died here")

    event.listen(Engine, "before_cursor_execute", die)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", die)


def test_a_failed_upgrade_from_empty_leaves_no_table(empty_url: str) -> None:
    with dying_in_0006(), pytest.raises(RuntimeError, match="the machine died here"):
        upgrade(empty_url)
    assert _state(empty_url) == (None, {}, 0)


def test_a_failed_upgrade_from_0004_leaves_0004_as_it_was(empty_url: str) -> None:
    _load_previous_head(empty_url)
    before = _state(empty_url)
    assert before[0] == "0004"
    assert before[2] == 89
    with dying_in_0006(), pytest.raises(RuntimeError, match="the machine died here"):
        upgrade(empty_url)  # 0005 rebuilt tables and backfilled rows before the failure
    assert _state(empty_url) == before
    upgrade(empty_url)  # and the next start migrates it
    command.check(alembic_config(empty_url))
