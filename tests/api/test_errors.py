"""Every error is RFC 9457 problem+json naming what was wrong."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/organisations/no-such-thing",
        "/v1/people/no-such-thing",
        "/v1/events/no-such-thing",
        "/v1/places/no-such-thing",
        "/v1/entities/no-such-thing",
        "/v1/citations/ref-99",
    ],
)
def test_unknown_ids_are_404_naming_the_id(client: TestClient, path: str) -> None:
    body = _problem(client.get(path), 404)
    assert path.rsplit("/", 1)[1] in body["detail"]


def test_an_id_of_another_type_says_what_it_is(client: TestClient) -> None:
    body = _problem(client.get("/v1/people/almaty"), 404)
    assert "is a place" in body["detail"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/organisations?limit=0", "limit"),
        ("/v1/organisations?limit=201", "limit"),
        ("/v1/organisations?limit=ten", "limit"),
        ("/v1/people?cursor=not-a-cursor", "cursor"),
        ("/v1/organisations?sort=colour", "sort"),
        ("/v1/events?from=2011-13", "from"),
        ("/v1/events?to=2011-02-30", "to"),
        ("/v1/events?place=socialist-movement-of-kazakhstan", "place"),
        ("/v1/aliases?lang=klingon", "lang"),
    ],
)
def test_bad_parameters_are_422_naming_each_parameter(
    client: TestClient, path: str, parameter: str
) -> None:
    body = _problem(client.get(path), 422)
    assert any(parameter in [str(p) for p in e["loc"]] for e in body["errors"]), body
    assert all({"loc", "msg"} == set(e) for e in body["errors"])


def test_a_period_that_ends_before_it_starts_holds_nothing(client: TestClient) -> None:
    for path in ("/v1/events?from=2012&to=2011", "/v1/timeline?from=2012&to=2011"):
        body = client.get(path).json()
        assert (body["items"], body["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/events?participant=nobody", "participant"),
        ("/v1/timeline?entity=nobody", "entity"),
        ("/v1/statements?subject=nobody", "subject"),
    ],
)
def test_a_filter_naming_an_unknown_entity_is_404_naming_the_parameter(
    client: TestClient, path: str, parameter: str
) -> None:
    body = _problem(client.get(path), 404)
    assert body["errors"] == [{"loc": ["query", parameter], "msg": "no entity with id 'nobody'"}]


def test_unsupported_methods_are_405(client: TestClient) -> None:
    body = _problem(client.put("/v1/organisations"), 405)
    assert "PUT" in body["detail"]
    _problem(client.post("/v1/people/ainur-kurmanov"), 405)
    _problem(client.delete("/v1/search"), 405)


def test_unknown_paths_are_404_problems(client: TestClient) -> None:
    _problem(client.get("/v2/nothing"), 404)


def test_unexpected_errors_are_500_with_a_request_id_and_no_traceback(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom-for-test", explode)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom-for-test")
    finally:
        app.router.routes = [
            r for r in app.router.routes if getattr(r, "path", "") != "/boom-for-test"
        ]
    body = _problem(response, 500)
    assert body["request_id"] in body["detail"]
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "path",
    ["/v1/entities/%00", "/v1/aliases?q=a%00b", "/v1/search?q=%00", "/v1/people/x%00y"],
)
def test_nul_characters_are_refused_before_any_database(client: TestClient, path: str) -> None:
    body = _problem(client.get(path), 422)
    assert "NUL" in body["detail"]


def test_a_cursor_past_any_database_integer_is_a_422(client: TestClient) -> None:
    # 2**63 and beyond overflowed SQLite and PostgreSQL integers (a 500 before).
    for cursor in (f"o{2**63}", f"o{10**30}", "o-1", "o01"):
        body = _problem(client.get("/v1/people", params={"cursor": cursor}), 422)
        assert body["errors"][0]["loc"] == ["query", "cursor"]
