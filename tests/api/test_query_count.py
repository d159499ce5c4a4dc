"""No N+1: a detail and a list page run a fixed, small number of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

# load_bodies: entities, aliases, claims, memberships, relations, participations,
# event places, figures, statements, sources, referenced names = 11; list pages add
# count + ids.
DETAIL_BUDGET = 11
LIST_BUDGET = 13


@contextmanager
def count_statements(app: FastAPI) -> Iterator[list[str]]:
    with count_statements_on(app.state.engine) as statements:
        yield statements


@contextmanager
def count_statements_on(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        # The savepoints are the test harness's rolled-back transaction, not the app's.
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_richest_entity_takes_a_fixed_number_of_statements(
    app: FastAPI, client: TestClient
) -> None:
    with count_statements(app) as rich:
        body = client.get("/v1/organisations/socialist-movement-of-kazakhstan").json()
    assert len(body["aliases"]) > 15
    assert len(body["relations"]) > 5
    with count_statements(app) as poor:
        client.get("/v1/places/perm")
    assert len(rich) <= DETAIL_BUDGET
    assert len(rich) == len(poor), "the count must not grow with the number of facts"


def test_a_full_list_page_takes_a_fixed_number_of_statements(
    app: FastAPI, client: TestClient
) -> None:
    with count_statements(app) as big:
        page = client.get("/v1/organisations?limit=50").json()
    with count_statements(app) as small:
        client.get("/v1/organisations?limit=2").json()
    assert len(page["items"]) >= 35
    assert len(big) <= LIST_BUDGET
    assert len(big) == len(small)


# The page (with its count), then: the claims of its entities, the participants of its
# events, the names of everyone involved, the sources.
TIMELINE_BUDGET = 5


def test_a_timeline_page_of_every_kind_takes_a_fixed_number_of_statements(
    app: FastAPI, client: TestClient
) -> None:
    with count_statements(app) as statements:
        page = client.get("/v1/timeline", params={"limit": 200}).json()
    kinds = {item["kind"] for item in page["items"]}
    assert {"event", "founding", "renaming", "membership_start", "relation_start"} <= kinds
    assert any(item["disputed"] for item in page["items"])
    assert len(statements) <= TIMELINE_BUDGET, statements
