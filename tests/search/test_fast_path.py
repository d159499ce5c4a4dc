"""GET /v1/search in front of FastAPI (app/search/fast_path.py): the plain form of a
search is answered with the route's own status, headers and bytes, and everything
else (another parameter, an invalid value, tables not current, a failing database)
goes to the route."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.search import fast_path, service
from tests.conftest import DATA_DIR
from tests.curation.conftest import rename

PERSON = "/v1/people/ainur-kurmanov"

QUERIES: list[dict[str, Any]] = [
    {"q": "СДК"},
    {"q": "kurm"},
    {"q": "Sotsialisticheskoe Dvizhenie Kazakhstana"},
    {"q": "socialist movment of kazakstan"},  # typos: a fuzzy match, then partial ones
    {"q": "socialist movment of kazakstan", "limit": "3"},
    {"q": "socialist movment of kazakstan", "limit": "3", "cursor": "o3"},
    {"q": "kazakhstan", "type": ["person", "event"]},
    {"q": "Revolutionary Workers' Party (Russia)"},
    {"q": "workers strike oil", "limit": "200"},
    {"q": "!!!"},  # nothing to search for: an empty page
    {"q": "Айнур Курманов", "type": "person", "limit": "1"},
]


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per search the fast path answered: whether it ran on the event loop."""
    seen: list[bool] = []
    real = fast_path.search_page

    def spied(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return real(*args, **kwargs)

    monkeypatch.setattr(fast_path, "search_page", spied)
    return seen


def _routed(client: TestClient, params: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The route's own answer: the fast path turned off for one request."""
    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "parameters", lambda _query: None)
        return client.get("/v1/search", params=params)


@pytest.mark.parametrize(
    "params", QUERIES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_a_plain_search_is_answered_as_the_route_answers_it(
    client: TestClient,
    params: dict[str, Any],
    answered: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = client.get("/v1/search", params=params)
    assert len(answered) == 1  # by the fast path
    routed = _routed(client, params, monkeypatch)
    assert len(answered) == 1  # and this one by the route
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    assert fast.headers.items() == routed.headers.items()


def test_small_tables_are_searched_on_the_event_loop_and_large_ones_in_the_cpu_lane(
    client: TestClient, answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"q": "socialist movment of kazakstan", "limit": "5"}
    on_loop = client.get("/v1/search", params=params)
    monkeypatch.setattr(fast_path, "INLINE_NAMES", 10)  # the seed has 141 names
    in_lane = client.get("/v1/search", params=params)
    assert answered == [True, False]
    assert on_loop.content == in_lane.content


def test_a_name_search_does_not_hold_is_read_from_the_database_off_the_event_loop(
    client: TestClient, answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"q": "Ainur Kurmanov"}
    expected = client.get("/v1/search", params=params).content
    monkeypatch.setattr(service, "own_names", lambda _vocab, _ids: {})
    reads: list[list[str]] = []
    real = fast_path.load_names

    def spied(session: Any, ids: Any, as_of: Any) -> Any:
        with pytest.raises(RuntimeError):
            asyncio.get_running_loop()  # never on the event loop
        reads.append(list(ids))
        return real(session, ids, as_of)

    monkeypatch.setattr(fast_path, "load_names", spied)
    answer = client.get("/v1/search", params=params)
    # Tried on the loop, then answered in the lane, where the names are read.
    assert answered[1:] == [True, False]
    assert reads == [["ainur-kurmanov"]]
    assert answer.content == expected


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("q=kurm&as_of=2010", 200),  # another parameter
        ("q=kurm&unused=1", 200),  # an undeclared one: ignored by the route
        ("q=kurm&q=almaty", 200),  # repeated: the route takes the last
        ("q=kurm&limit=5&limit=6", 200),
        ("q=", 422),
        ("q=%20%20", 422),  # only spaces
        ("q=" + "a" * 201, 422),
        ("q=kurm&limit=0", 422),
        ("q=kurm&limit=201", 422),
        ("q=kurm&limit=ten", 422),
        ("q=kurm&type=party", 422),
        ("q=kurm&cursor=50", 422),
        ("q=ku%00rm", 422),  # NUL
        ("limit=5", 422),  # no q
    ],
)
def test_anything_but_the_plain_form_goes_to_the_route(
    client: TestClient, answered: list[bool], query: str, status: int
) -> None:
    response = client.get(f"/v1/search?{query}")
    assert response.status_code == status, response.text
    assert answered == []


def test_the_route_answers_the_same_parameters_the_same_way(client: TestClient) -> None:
    """The fast path validates as the route does: what it takes, the route would take."""
    for query in ("q=kurm&limit=%2B5", "q=kurm&limit=05", "q=kurm&type=person&type=person"):
        plain = fast_path.parameters(query.encode())
        assert plain is not None, query
        assert client.get(f"/v1/search?{query}").status_code == 200


# On an app of its own, whose sessions are bound to its engine as in production (the
# shared app reads through one rolled-back transaction): the dataset revision is read
# by the fast reader, on the event loop for SQLite.


def test_a_write_through_another_replica_is_found_by_the_next_search(
    own_app: tuple[FastAPI, str], answered: list[bool]
) -> None:
    """Another app on the same database (a replica) renames an entity: this app's next
    search finds the new name. The tables it holds are no longer current, so that
    search goes to the route, which brings them up to date; the next is the fast
    path's again."""
    app, url = own_app
    params = {"q": "Qwertyuiop Kurmanov"}
    other = create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False))
    with TestClient(app) as client, TestClient(other) as replica:
        before = client.get("/v1/search", params=params).json()["items"]
        assert all(hit["matched"]["name"] != "Qwertyuiop Kurmanov" for hit in before)
        rename(replica, other, PERSON, "Qwertyuiop Kurmanov")
        found = client.get("/v1/search", params=params)
        again = client.get("/v1/search", params=params)
    assert [hit["id"] for hit in found.json()["items"]][:1] == ["ainur-kurmanov"]
    assert found.json()["items"][0]["name"] == "Qwertyuiop Kurmanov"
    assert found.json()["items"][0]["matched"]["name"] == "Qwertyuiop Kurmanov"
    assert again.content == found.content
    assert len(answered) == 2  # the first and the last; the one between by the route


def test_a_failing_revision_read_is_left_to_the_route(
    own_app: tuple[FastAPI, str], answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = own_app
    with TestClient(app) as client:
        expected = client.get("/v1/search", params={"q": "kurm"}).content

        def broken(_self: Any, dbapi_connection: Any) -> Any:
            dbapi_connection.cursor().execute("SELECT no_such_column FROM dataset_revision")

        monkeypatch.setattr(fast_path.StampLookup, "run", broken)
        answer = client.get("/v1/search", params={"q": "kurm"})
        assert answer.status_code == 200
        assert answer.content == expected
        assert answered == [True]  # the second by the route
