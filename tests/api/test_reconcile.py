"""W3C Reconciliation Service API 0.2 at /v1/reconcile: what it answers.

These tests need nothing outside the checkout; the validation of the same answers
against the official schemas (in ``../shared``) is in ``test_reconcile_schemas.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import DATA_DIR

MANIFEST_KEYS = {
    "versions", "name", "identifierSpace", "schemaSpace", "documentation", "serviceVersion",
    "logo", "authentication", "view", "feature_view", "defaultTypes", "suggest", "preview",
    "extend", "batchSize",
}  # fmt: skip
CANDIDATE_KEYS = {"id", "name", "description", "score", "features", "match", "type"}

BATCH: dict[str, Any] = {
    "q0": {"query": "СДК"},
    "q1": {"query": "Ainur Kurmanov", "type": "person", "limit": 3},
    "q2": {"query": "Zhanaozen", "type": ["event"], "type_strict": "any"},
    "q3": {
        "query": "Sotsialisticheskoe Dvizhenie Kazakhstana",
        "properties": [{"pid": "x", "v": "y"}],
    },
    "q4": {"properties": [{"pid": "country", "v": "KZ"}]},
}


def check_candidate_keys(results: dict[str, Any]) -> None:
    for answer in results.values():
        for candidate in answer["result"]:
            assert set(candidate) <= CANDIDATE_KEYS


def test_the_manifest(client: TestClient) -> None:
    manifest = client.get("/v1/reconcile").json()
    assert set(manifest) <= MANIFEST_KEYS
    assert {t["id"] for t in manifest["defaultTypes"]} == {
        "organisation",
        "person",
        "event",
        "place",
        "concept",
    }
    view = manifest["view"]["url"].replace("{{id}}", "ainur-kurmanov")
    assert client.get(view).json()["id"] == "ainur-kurmanov"


def test_every_service_the_manifest_names_answers(client: TestClient) -> None:
    manifest = client.get("/v1/reconcile").json()
    base = "http://127.0.0.1:8000"  # KB_PUBLIC_BASE_URL's default
    for kind, prefix in (("entity", "so"), ("type", "pe"), ("property", "po")):
        service = manifest["suggest"][kind]
        url = service["service_url"] + service["service_path"]
        response = client.get(url.removeprefix(base), params={"prefix": prefix})
        assert response.status_code == 200, kind
        assert response.json()["result"], kind
    preview = manifest["preview"]["url"].replace("{{id}}", "ainur-kurmanov")
    assert "Ainur Kurmanov" in client.get(preview.removeprefix(base)).text
    propose = manifest["extend"]["propose_properties"]
    url = propose["service_url"] + propose["service_path"]
    assert client.get(url.removeprefix(base), params={"type": "person"}).json()["properties"]


def test_a_batch_by_get_finds_the_entities(client: TestClient) -> None:
    results = client.get("/v1/reconcile", params={"queries": json.dumps(BATCH)}).json()
    check_candidate_keys(results)
    assert set(results) == set(BATCH)
    top = results["q0"]["result"][0]
    assert top["id"] == "socialist-movement-of-kazakhstan"
    assert top["match"] is True
    assert top["type"] == [{"id": "organisation", "name": "Organisation"}]
    assert results["q1"]["result"][0]["id"] == "ainur-kurmanov"
    assert len(results["q1"]["result"]) <= 3
    assert {c["type"][0]["id"] for c in results["q2"]["result"]} == {"event"}
    assert results["q3"]["result"][0]["id"] == "socialist-movement-of-kazakhstan"
    assert results["q4"]["result"] == []


def test_a_form_encoded_post_as_openrefine_sends_it(client: TestClient) -> None:
    response = client.post("/v1/reconcile", data={"queries": json.dumps(BATCH)})
    assert response.status_code == 200
    check_candidate_keys(response.json())
    by_get = client.get("/v1/reconcile", params={"queries": json.dumps(BATCH)}).json()
    assert response.json() == by_get
    as_json = client.post("/v1/reconcile", json=BATCH).json()
    assert as_json == response.json()


@pytest.mark.parametrize(
    "queries",
    [
        "not json",
        "[]",
        "{}",
        json.dumps({"q0": {"limit": 1}}),
        json.dumps({"q0": {"query": "x", "typo": 1}}),
        json.dumps({"q0": {"query": "x", "type": "planet"}}),
        json.dumps({"q0": {"query": "x", "type_strict": "maybe"}}),
    ],
)
def test_bad_batches_are_422_problems(client: TestClient, queries: str) -> None:
    response = client.get("/v1/reconcile", params={"queries": queries})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"]


def test_a_post_without_queries_is_422(client: TestClient) -> None:
    assert client.post("/v1/reconcile", data={"other": "x"}).status_code == 422


def test_a_query_with_nothing_to_search_for_spoils_no_other_query(client: TestClient) -> None:
    batch = {"q0": {"query": "-"}, "q1": {"query": "Ainur Kurmanov", "limit": 1}}
    answer = client.post("/v1/reconcile", json=batch)
    assert answer.status_code == 200
    assert answer.json()["q0"] == {"result": []}
    assert answer.json()["q1"]["result"][0]["id"] == "ainur-kurmanov"


@pytest.fixture(scope="module")
def budgetless(seeded_url: str) -> Iterator[TestClient]:
    """An app whose reconciliation time budget is spent before any work is done."""
    settings = Settings(database_url=seeded_url, data_dir=DATA_DIR, reconcile_time_budget=1e-9)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", "/v1/reconcile/suggest/entity", {"prefix": "Kurmanov"}),
        ("GET", "/v1/reconcile/preview/ainur-kurmanov", {}),
        ("POST", "/v1/reconcile/extend", {"extend": '{"ids": ["x"], "properties": []}'}),
        ("GET", "/v1/reconcile", {"extend": '{"ids": ["x"], "properties": []}'}),
    ],
)
def test_every_service_past_its_time_budget_is_503_with_retry_after(
    budgetless: TestClient, method: str, path: str, params: dict[str, str]
) -> None:
    if method == "GET":
        response = budgetless.get(path, params=params)
    else:
        response = budgetless.post(path, data=params)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    assert "budget" in response.json()["detail"]


def test_the_response_cache_keeps_manifest_queries_and_extend_apart(seeded_url: str) -> None:
    settings = Settings(database_url=seeded_url, data_dir=DATA_DIR, cache_enabled=True)
    extend = json.dumps({"ids": ["ainur-kurmanov"], "properties": [{"id": "member_of"}]})
    with TestClient(create_app(settings)) as client:
        manifest = client.get("/v1/reconcile").json()
        extended = client.get("/v1/reconcile", params={"extend": extend}).json()
        suggested = client.get("/v1/reconcile/suggest/entity", params={"prefix": "Zhan"}).json()
        other = client.get("/v1/reconcile/suggest/entity", params={"prefix": "Kurm"}).json()
        again = client.get("/v1/reconcile", params={"extend": extend}).json()
    assert "versions" in manifest
    assert extended == again
    assert extended["rows"]["ainur-kurmanov"]["member_of"]
    assert suggested != other
