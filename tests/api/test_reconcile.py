"""W3C Reconciliation Service API 0.2 at /v1/reconcile, validated with the official schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from app.core.config import PROJECT_ROOT

SCHEMAS = PROJECT_ROOT.parent / "shared" / "schemas" / "reconciliation-0.2"
MANIFEST_KEYS = {
    "versions", "name", "identifierSpace", "schemaSpace", "documentation", "serviceVersion",
    "logo", "authentication", "view", "feature_view", "defaultTypes", "suggest", "preview",
    "extend", "batchSize",
}  # fmt: skip
CANDIDATE_KEYS = {"id", "name", "description", "score", "features", "match", "type"}


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft7Validator]:
    if not SCHEMAS.exists():
        pytest.fail(f"the official schemas are expected at {SCHEMAS}")
    registry: Registry = Registry()
    documents = {}
    for path in SCHEMAS.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[path.name] = document
        resource = Resource(contents=document, specification=DRAFT7)
        ident = document.get("$id") or document.get("id")
        for uri in {ident, ident.rstrip("#"), ident.rstrip("#") + "#"}:
            registry = registry.with_resource(uri, resource)
    return {
        name: Draft7Validator(documents[name], registry=registry)
        for name in (
            "manifest.json",
            "reconciliation-result-batch.json",
            "reconciliation-query-batch.json",
        )
    }


def _examples(kind: str, verdict: str) -> list[Path]:
    return sorted((SCHEMAS / "examples" / kind / verdict).glob("*.json"))


@pytest.mark.parametrize(
    ("kind", "schema"),
    [
        ("manifest", "manifest.json"),
        ("reconciliation-result-batch", "reconciliation-result-batch.json"),
        ("reconciliation-query-batch", "reconciliation-query-batch.json"),
    ],
)
def test_the_validators_accept_the_valid_and_reject_the_invalid_examples(
    validators: dict[str, Draft7Validator], kind: str, schema: str
) -> None:
    for path in _examples(kind, "valid"):
        assert not list(validators[schema].iter_errors(json.loads(path.read_text()))), path
    for path in _examples(kind, "invalid"):
        assert list(validators[schema].iter_errors(json.loads(path.read_text()))), path


def test_the_manifest_validates(client: TestClient, validators: dict[str, Draft7Validator]) -> None:
    manifest = client.get("/v1/reconcile").json()
    assert not list(validators["manifest.json"].iter_errors(manifest))
    assert set(manifest) <= MANIFEST_KEYS
    assert {t["id"] for t in manifest["defaultTypes"]} == {
        "organisation",
        "person",
        "event",
        "place",
    }
    view = manifest["view"]["url"].replace("{{id}}", "ainur-kurmanov")
    assert client.get(view).json()["id"] == "ainur-kurmanov"


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


def _check_results(results: dict[str, Any], validators: dict[str, Draft7Validator]) -> None:
    assert not list(validators["reconciliation-result-batch.json"].iter_errors(results))
    for answer in results.values():
        for candidate in answer["result"]:
            assert set(candidate) <= CANDIDATE_KEYS


def test_a_batch_by_get_validates_and_finds_the_entities(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    assert not list(validators["reconciliation-query-batch.json"].iter_errors(BATCH))
    results = client.get("/v1/reconcile", params={"queries": json.dumps(BATCH)}).json()
    _check_results(results, validators)
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


def test_a_form_encoded_post_as_openrefine_sends_it(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    response = client.post("/v1/reconcile", data={"queries": json.dumps(BATCH)})
    assert response.status_code == 200
    _check_results(response.json(), validators)
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
