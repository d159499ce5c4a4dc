"""List pages in front of FastAPI (app/entities/list_path.py): the plain form of a list
page (limit, cursor, a sort by id or name) is answered with the route's own status,
headers and bytes; anything else, and a page with a body not stored, goes to the
route."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from app.entities import list_path
from app.models import StoredBody
from tests.conftest import rolled_back
from tests.curation.conftest import rename

COLLECTIONS = ("organisations", "people", "events", "places")


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """One entry per page the fast path looked up: the type, and whether the lookup ran
    on the event loop."""
    seen: list[tuple[str, bool]] = []

    def spy(real: Any) -> Any:
        def spied(self: Any, connection: Any, entity_type: str, *args: Any) -> Any:
            try:
                asyncio.get_running_loop()
                seen.append((entity_type, True))
            except RuntimeError:
                seen.append((entity_type, False))
            return real(self, connection, entity_type, *args)

        return spied

    monkeypatch.setattr(list_path.PageLookup, "run", spy(list_path.PageLookup.run))
    monkeypatch.setattr(list_path.PageLookup, "run_in", spy(list_path.PageLookup.run_in))
    return seen


def _routed(client: TestClient, path: str, params: dict[str, str]) -> Any:
    """The route's own answer: the fast path turned off for one request."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(list_path, "plain_parameters", lambda *_args, **_kwargs: None)
        return client.get(path, params=params)


def _pages(client: TestClient, path: str, params: dict[str, str]) -> list[Any]:
    """Every page of a list, following ``next``."""
    pages = [client.get(path, params=params)]
    while (following := pages[-1].json()["next"]) is not None:
        pages.append(client.get(following))
    return pages


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name"])
def test_a_plain_list_is_answered_as_the_route_answers_it(
    client: TestClient, collection: str, sort: str, answered: list[tuple[str, bool]]
) -> None:
    path = f"/v1/{collection}"
    pages = _pages(client, path, {"limit": "7", "sort": sort})
    assert len(answered) == len(pages) > 1  # every page by the fast path
    for page in pages:
        query = dict(part.split("=") for part in page.url.query.decode().split("&"))
        routed = _routed(client, path, query)
        assert page.status_code == routed.status_code == 200
        assert page.content == routed.content
        assert page.headers.items() == routed.headers.items()
    # And the pages hold the whole list, in the order the route gives it.
    ids = [item["id"] for page in pages for item in page.json()["items"]]
    whole = _routed(client, path, {"limit": "200", "sort": sort}).json()
    assert ids == [item["id"] for item in whole["items"]]
    assert len(ids) == whole["total"]


def test_the_default_page_and_a_page_past_the_end(
    client: TestClient, answered: list[tuple[str, bool]]
) -> None:
    for params in ({}, {"cursor": "o1000"}, {"cursor": "o999999999999999999"}):
        fast = client.get("/v1/people", params=params)
        routed = _routed(client, "/v1/people", params)
        assert fast.status_code == 200
        assert (fast.content, fast.headers.items()) == (routed.content, routed.headers.items())
    assert client.get("/v1/people", params={"cursor": "o1000"}).json()["items"] == []
    assert len(answered) == 4


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("as_of=2010", 200),  # another parameter
        ("sort=founding_date", 200),  # a sort the fast path leaves to the route
        ("unused=1", 200),  # an undeclared parameter: ignored by the route
        ("limit=5&limit=6", 200),  # repeated: the route takes the last
        ("limit=0", 422),
        ("limit=201", 422),
        ("limit=five", 422),
        ("cursor=50", 422),
        ("sort=weight", 422),
    ],
)
def test_anything_but_the_plain_form_goes_to_the_route(
    client: TestClient, answered: list[tuple[str, bool]], query: str, status: int
) -> None:
    response = client.get(f"/v1/organisations?{query}")
    assert response.status_code == status, response.text
    assert answered == []


def test_a_page_with_a_body_not_stored_goes_to_the_route(
    app: FastAPI, client: TestClient, answered: list[tuple[str, bool]]
) -> None:
    params = {"limit": "200"}
    expected = client.get("/v1/people", params=params).content
    with rolled_back(app) as connection:
        connection.execute(delete(StoredBody).where(StoredBody.entity_id == "ainur-kurmanov"))
        assert client.get("/v1/people", params=params).content == expected  # assembled
        # A stored body of an older version is not the current one either.
    with rolled_back(app) as connection:
        connection.execute(
            update(StoredBody)
            .where(StoredBody.entity_id == "ainur-kurmanov")
            .values(body='{"stale": true}', version=StoredBody.version - 1)
        )
        assert client.get("/v1/people", params=params).content == expected
    assert len(answered) == 3  # looked up each time; the last two answered by the route
    assert json.loads(expected)["total"] > 0


# On an app of its own, whose sessions are bound to its engine as in production: the
# page is read on a pooled connection, off the event loop.


def test_a_page_is_read_off_the_event_loop_and_shows_a_write_at_once(
    own_app: tuple[FastAPI, str], answered: list[tuple[str, bool]]
) -> None:
    app, _ = own_app
    person = "/v1/people/ainur-kurmanov"
    params = {"sort": "-name", "limit": "200"}
    with TestClient(app) as client:
        before = client.get("/v1/people", params=params)
        assert before.status_code == 200
        rename(client, app, person, "Zzzz Kurmanov")
        after = client.get("/v1/people", params=params)
        routed = _routed(client, "/v1/people", params)
    assert before.json()["items"][0]["id"] != "ainur-kurmanov"
    assert after.json()["items"][0]["name"] == "Zzzz Kurmanov"  # first by name, at once
    assert after.content == routed.content
    assert after.headers["etag"] != before.headers["etag"]
    assert answered == [("person", False), ("person", False)]


def test_a_failing_database_is_left_to_the_route(
    own_app: tuple[FastAPI, str], answered: list[tuple[str, bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = own_app
    with TestClient(app) as client:
        expected = client.get("/v1/places").content

        def broken(self: Any, dbapi_connection: Any, values: Any) -> Any:
            dbapi_connection.cursor().execute("SELECT no_such_column FROM entity")

        monkeypatch.setattr(list_path.CompiledStatement, "rows", broken)
        answer = client.get("/v1/places")
    assert answer.status_code == 200
    assert answer.content == expected
    assert [on_loop for _, on_loop in answered] == [False, False]
