"""Content negotiation: the entity endpoints answer JSON, JSON-LD and Turtle, chosen by
Accept or ?format=, with Vary: Accept, an ETag per representation, and a response cache
that keys on the negotiated representation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.negotiation import from_accept
from app.main import create_app
from tests.conftest import DATA_DIR
from tests.exports.conftest import BASE, jsonld_graph, same_graph, turtle_graph

PATHS = [
    "/v1/entities/socialist-movement-of-kazakhstan",
    "/v1/organisations/socialist-movement-of-kazakhstan",
    "/v1/people/ainur-kurmanov",
    "/v1/events/2022-kazakh-unrest",
    "/v1/places/almaty",
]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("application/json", "json"),
        ("application/ld+json", "jsonld"),
        ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', "jsonld"),
        ("text/turtle", "turtle"),
        ("*/*", "json"),
        ("application/*", "json"),
        ("text/*", "turtle"),
        (BROWSER, "json"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
        ("application/json;q=0.1, text/turtle", "turtle"),
        ("application/ld+json, application/json", "json"),  # a tie: the server's choice
        ("*/*;q=0.1, text/turtle;q=0", "json"),
        ("text/html", None),
        ("application/xml, image/png", None),
        ("application/json;q=0", None),
        ("nonsense", "json"),  # no well-formed range: as if absent
    ],
)
def test_accept_picks_the_best_representation(accept: str, chosen: str | None) -> None:
    assert from_accept(accept) == chosen


@pytest.mark.parametrize("path", PATHS)
def test_every_entity_endpoint_answers_each_representation(client: TestClient, path: str) -> None:
    as_json = client.get(path)
    as_jsonld = client.get(path, headers={"Accept": "application/ld+json"})
    as_turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert as_json.headers["content-type"] == "application/json"
    assert as_jsonld.headers["content-type"] == "application/ld+json"
    assert as_turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    for response in (as_json, as_jsonld, as_turtle):
        assert response.status_code == 200
        assert "Accept" in [v.strip() for v in response.headers["vary"].split(",")]
    etags = {r.headers["etag"] for r in (as_json, as_jsonld, as_turtle)}
    assert len(etags) == 3
    entity = as_json.json()["id"]
    graph = turtle_graph(as_turtle.content)
    assert same_graph(jsonld_graph(as_jsonld.json(), client), graph)
    subject = f"<{BASE}/v1/entities/{entity}>"
    assert subject in as_turtle.text
    assert as_jsonld.json()["@context"] == f"{BASE}/v1/context.jsonld"


def test_the_format_parameter_wins_over_accept(client: TestClient) -> None:
    path = PATHS[2]
    turtle = client.get(path, params={"format": "turtle"}, headers={"Accept": "application/json"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    as_json = client.get(path, params={"format": "json"}, headers={"Accept": "text/html"})
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    jsonld = client.get(path, params={"format": "jsonld"})
    assert jsonld.headers["content-type"] == "application/ld+json"


def test_an_accept_allowing_none_is_a_406_problem(client: TestClient) -> None:
    response = client.get(PATHS[0], headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert "Accept" in response.headers["vary"]
    problem = response.json()
    assert problem["type"].endswith("/not-acceptable")
    assert "text/turtle" in problem["detail"]


def test_an_unknown_format_is_a_422_problem(client: TestClient) -> None:
    response = client.get(PATHS[0], params={"format": "xml"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["query", "format"], "msg": "must be one of json, jsonld, turtle, not 'xml'"}
    ]


def test_a_missing_entity_stays_a_json_problem_in_any_representation(client: TestClient) -> None:
    response = client.get("/v1/people/nobody", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_other_endpoints_are_not_negotiated(client: TestClient) -> None:
    response = client.get("/v1/people", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    graph = client.get(f"{PATHS[0]}/graph", params={"format": "turtle"})
    assert graph.headers["content-type"] == "application/json"


def test_if_none_match_is_304_for_the_same_representation_only(client: TestClient) -> None:
    path = PATHS[2]
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    tag = turtle.headers["etag"]
    assert tag.endswith('.ttl"')
    again = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": tag})
    assert again.status_code == 304
    assert "Accept" in again.headers["vary"]
    as_json = client.get(path, headers={"If-None-Match": tag})
    assert as_json.status_code == 200


def test_version_and_as_of_work_in_every_representation(client: TestClient) -> None:
    path = "/v1/entities/socialist-movement-of-kazakhstan"
    old = client.get(path, params={"version": 1, "format": "turtle"})
    assert old.status_code == 200
    assert old.headers["etag"].endswith('.snapshot.ttl"')
    assert "kb:version 1 " in old.text
    as_of = client.get(path, params={"as_of": "2008", "format": "jsonld"})
    body = client.get(path, params={"as_of": "2008"}).json()
    document = as_of.json()
    assert document["name"] == body["name"]
    assert document["asOf"]["date"] == {"@value": "2008", "@type": "xsd:gYear"}
    assert as_of.headers["etag"].endswith('.as-of-2008.jsonld"')


def test_a_representation_holds_what_the_json_body_lists(client: TestClient) -> None:
    """Facts other entities own (a person's memberships, incoming relations, events)
    are in the representation, with the IRIs their owners give them."""
    body = client.get("/v1/people/ainur-kurmanov").json()
    turtle = client.get("/v1/people/ainur-kurmanov", params={"format": "turtle"}).text
    assert body["memberships"]
    for membership in body["memberships"]:
        assert f"#{membership['id']}>" in turtle
        assert f'"{membership["organisation"]["name"]}"' in turtle
    path = "/v1/organisations/committee-for-a-workers-international"
    cwi = client.get(path).json()
    incoming = [r for r in cwi["relations"] if r["direction"] == "incoming"]
    assert incoming
    document = client.get(path, params={"format": "jsonld"}).json()
    assert document["@id"] == f"{BASE}/v1/entities/committee-for-a-workers-international"
    pointing = {fact["@id"] for fact in document["@reverse"]["object"]}
    assert pointing == {f"{BASE}/v1/entities/{r['target']['id']}#{r['id']}" for r in incoming}


def test_the_openapi_schema_documents_the_representations(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in [
        "/v1/entities/{entity_id}",
        "/v1/organisations/{organisation_id}",
        "/v1/people/{person_id}",
        "/v1/events/{event_id}",
        "/v1/places/{place_id}",
    ]:
        operation = schema["paths"][path]["get"]
        content = operation["responses"]["200"]["content"]
        assert {"application/json", "application/ld+json", "text/turtle"} <= set(content)
        assert "406" in operation["responses"]
        assert "format" in {p["name"] for p in operation["parameters"]}
    export = schema["paths"]["/v1/export"]["get"]
    assert export["operationId"] == "export"
    assert "KB-Seq" in export["responses"]["200"]["headers"]
    assert schema["paths"]["/v1/context.jsonld"]["get"]["operationId"] == "get_context"


@pytest.fixture
def cached(seeded_url: str) -> Iterator[tuple[FastAPI, TestClient]]:
    app = create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR, cache_enabled=True))
    with TestClient(app) as client:
        yield app, client


def test_the_cache_keeps_one_entry_per_representation_and_never_mixes_them(
    cached: tuple[FastAPI, TestClient],
) -> None:
    app, client = cached
    path = PATHS[2]
    cache = app.state.response_cache
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    as_json = client.get(path, headers={"Accept": "application/json"})
    assert as_json.headers["content-type"] == "application/json"
    json.loads(as_json.content)
    again = client.get(path, headers={"Accept": "text/turtle"})
    assert again.content == turtle.content
    assert again.headers["etag"] == turtle.headers["etag"]
    by_parameter = client.get(path, params={"format": "turtle"})
    assert by_parameter.content == turtle.content
    entries = len(cache)
    hits = cache.hits
    # Other spellings of the same choices are hits on the same two entries.
    for accept in ("*/*", BROWSER, "application/json;q=0.9", "text/turtle;q=1.0"):
        client.get(path, headers={"Accept": accept})
    assert len(cache) == entries
    assert cache.hits == hits + 4
    refused = client.get(path, headers={"Accept": "text/html"})
    assert refused.status_code == 406
