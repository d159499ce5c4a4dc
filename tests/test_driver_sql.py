"""``driver_rows``: a Core SELECT compiled once and run as driver SQL reads what
SQLAlchemy reads, with a few SQL texts per statement, and the engine's deadlines and
error handling still apply."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, column, func, literal, select, table
from sqlalchemy.exc import DBAPIError, InvalidRequestError, OperationalError
from sqlalchemy.orm import Session

from app.core.db import DatabaseTimeouts, create_db_engine, create_server_engine
from app.core.driver_sql import driver_rows, padded_size
from app.core.errors import database_unavailable
from app.core.migrations import upgrade
from app.models import Entity, Place
from tests.api.test_query_count import count_statements_on

BY_IDS = (
    select(Entity.id, Entity.type, Entity.name)
    .where(Entity.id.in_(bindparam("ids", expanding=True)))
    .order_by(Entity.id)
)
BY_IDS_AND_TYPE = (
    select(Entity.id, Entity.name)
    .where(
        Entity.id.in_(bindparam("ids", expanding=True))
        | Entity.name.in_(bindparam("names", expanding=True)),
        Entity.type == bindparam("type"),
    )
    .order_by(Entity.id)
)


@pytest.fixture(scope="module")
def entity_ids(seeded_engine: Engine) -> list[str]:
    with seeded_engine.connect() as conn:
        return list(conn.scalars(select(Entity.id).order_by(Entity.id)))


def _sqlalchemy_rows(
    engine: Engine, statement: Any, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(statement, params)]


def _driver_rows(engine: Engine, statement: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in driver_rows(conn, statement, params)]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8, 9, 17, 33, 64, 65])
def test_a_list_of_any_size_reads_what_sqlalchemy_reads(
    seeded_engine: Engine, entity_ids: list[str], size: int
) -> None:
    ids = entity_ids[:: max(1, len(entity_ids) // size)][:size]
    assert len(ids) == size
    expected = _sqlalchemy_rows(seeded_engine, BY_IDS, {"ids": ids})
    assert len(expected) == size
    assert _driver_rows(seeded_engine, BY_IDS, {"ids": ids}) == expected


def test_unknown_and_repeated_values_and_an_empty_list(
    seeded_engine: Engine, entity_ids: list[str]
) -> None:
    for ids in ([], ["no-such-entity"], [entity_ids[3], entity_ids[3], "nope", entity_ids[0]]):
        expected = _sqlalchemy_rows(seeded_engine, BY_IDS, {"ids": ids})
        assert _driver_rows(seeded_engine, BY_IDS, {"ids": ids}) == expected
    assert _driver_rows(seeded_engine, BY_IDS, {"ids": set(entity_ids[:3])}) == _sqlalchemy_rows(
        seeded_engine, BY_IDS, {"ids": entity_ids[:3]}
    )


def test_two_lists_and_a_plain_value(seeded_engine: Engine, entity_ids: list[str]) -> None:
    with seeded_engine.connect() as conn:
        names = list(conn.scalars(select(Entity.name).order_by(Entity.name).limit(7)))
    for ids, some in ((entity_ids[:5], names), (entity_ids[10:11], names[:3]), (entity_ids, [])):
        for kind in ("organisation", "person", "place"):
            params = {"ids": ids, "names": some, "type": kind}
            expected = _sqlalchemy_rows(seeded_engine, BY_IDS_AND_TYPE, params)
            assert _driver_rows(seeded_engine, BY_IDS_AND_TYPE, params) == expected


def test_rows_are_named_by_the_statements_columns(
    seeded_engine: Engine, entity_ids: list[str]
) -> None:
    with seeded_engine.connect() as conn:
        (row,) = driver_rows(conn, BY_IDS, {"ids": entity_ids[:1]})
    assert row.id == entity_ids[0]
    assert list(row._asdict()) == ["id", "type", "name"]


def test_lists_are_padded_so_a_statement_has_a_few_sql_texts(
    seeded_engine: Engine, entity_ids: list[str]
) -> None:
    """The engine's events see each statement (the tests' statement counts rely on it),
    and lists of 1 to 100 values make 8 texts, not 100, each prepared once by the driver."""
    with count_statements_on(seeded_engine) as sql_texts, seeded_engine.connect() as conn:
        for size in range(1, 101):
            driver_rows(conn, BY_IDS, {"ids": (entity_ids * 2)[:size]})
    assert len(sql_texts) == 100
    assert len(set(sql_texts)) == 8
    assert [padded_size(n) for n in (0, 1, 2, 3, 5, 64, 65)] == [0, 1, 2, 4, 8, 64, 128]


def test_a_missing_value_is_refused(seeded_engine: Engine) -> None:
    with seeded_engine.connect() as conn, pytest.raises(InvalidRequestError, match="'type'"):
        driver_rows(conn, BY_IDS_AND_TYPE, {"ids": ["x"], "names": ["y"]})


def test_a_driver_error_is_sqlalchemys(seeded_engine: Engine) -> None:
    missing = select(column("id")).select_from(table("no_such_table"))
    with seeded_engine.connect() as conn, pytest.raises(DBAPIError):
        driver_rows(conn, missing)


def test_a_runaway_statement_is_stopped_by_the_statement_timeout(empty_url: str) -> None:
    upgrade(empty_url, "0001")  # anything, so that the SQLite file exists
    timeouts = DatabaseTimeouts(connect=2, statement=0.3, pool=0.5, busy=0.5)
    engine = create_server_engine(empty_url, timeouts)
    counter = select(literal(1).label("i")).cte("counter", recursive=True)
    counter = counter.union_all(select(counter.c.i + 1))
    endless = select(func.count()).select_from(counter)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught, engine.connect() as conn:
            driver_rows(conn, endless)
        assert time.monotonic() - started < timeouts.statement + 0.7
        assert database_unavailable(caught.value)
    finally:
        engine.dispose()


def test_a_sessions_pending_changes_are_read_as_session_execute_reads_them(
    migrated_url: str,
) -> None:
    """Curation reads names (``load_refs``) in the session that is writing."""
    engine = create_db_engine(migrated_url)
    try:
        with Session(engine) as session:
            session.add(Place(id="pending-one", name="Pending"))
            rows = driver_rows(session, BY_IDS, {"ids": ["pending-one"]})
            assert [tuple(r) for r in rows] == [("pending-one", "place", "Pending")]
            session.rollback()
    finally:
        engine.dispose()
