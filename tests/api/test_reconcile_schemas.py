"""/v1/reconcile validated with the official W3C Reconciliation API 0.2 schemas: the
manifest, reconciliation (with property matching), suggest, preview metadata and data
extension (queries, property proposals, responses), and the official examples.

The schemas live in ``../shared/schemas/reconciliation-0.2``; without that folder
these tests skip (or fail, with ``KB_REQUIRE_SHARED=1`` as in CI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.api.test_reconcile import BATCH
from tests.api.test_reconcile_extend import COLUMN, SMK, THREE
from tests.shared import shared_path

SCHEMAS = ("schemas", "reconciliation-0.2")
# Every schema an answer or a query of this service is checked against.
RESPONSE_SCHEMAS = (
    "manifest.json",
    "reconciliation-query-batch.json",
    "reconciliation-result-batch.json",
    "suggest-entities-response.json",
    "suggest-types-response.json",
    "suggest-properties-response.json",
    "data-extension-query.json",
    "data-extension-response.json",
    "data-extension-property-proposal.json",
)
# Official example folders whose schema file is named otherwise.
EXAMPLE_SCHEMAS = {"reconciliation-query-batch": "reconciliation-query-batch.json"}
PROPERTY_BATCH: dict[str, Any] = {
    "q0": {
        "query": "Socialist Movement of Kazakhstan",
        "properties": [
            {"pid": "founding_date", "v": "2006"},
            {"pid": "headquarters", "v": {"id": "almaty", "name": "Almaty"}},
            {"pid": "country", "v": ["KZ", "RU"]},
        ],
    },
    "q1": {"query": "Party", "limit": 3, "properties": [{"pid": "founding_date", "v": 1991}]},
    "q2": {"query": "Kurmanov", "properties": [{"pid": "member_of", "v": True}]},
}


@pytest.fixture(scope="module")
def schemas() -> Path:
    return shared_path(*SCHEMAS)


@pytest.fixture(scope="module")
def validators(schemas: Path) -> dict[str, Draft7Validator]:
    registry: Registry = Registry()
    documents = {}
    for path in schemas.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[path.name] = document
        resource = Resource(contents=document, specification=DRAFT7)
        ident = document.get("$id") or document.get("id")
        for uri in {ident, ident.rstrip("#"), ident.rstrip("#") + "#"}:
            registry = registry.with_resource(uri, resource)
    return {name: Draft7Validator(documents[name], registry=registry) for name in RESPONSE_SCHEMAS}


def _errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)
    ]


def test_every_official_example_is_judged_as_the_spec_says(
    schemas: Path, validators: dict[str, Draft7Validator]
) -> None:
    kinds = sorted(p.name for p in (schemas / "examples").iterdir() if p.is_dir())
    assert {"manifest", "reconciliation-query-batch", "reconciliation-result-batch"} <= set(kinds)
    for kind in kinds:
        validator = validators[EXAMPLE_SCHEMAS.get(kind, f"{kind}.json")]
        valid = sorted((schemas / "examples" / kind / "valid").glob("*.json"))
        invalid = sorted((schemas / "examples" / kind / "invalid").glob("*.json"))
        assert valid or invalid, kind
        for path in valid:
            assert _errors(validator, json.loads(path.read_text(encoding="utf-8"))) == [], path
        for path in invalid:
            assert _errors(validator, json.loads(path.read_text(encoding="utf-8"))), path


def test_the_manifest_validates_with_suggest_preview_and_extend(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    manifest = client.get("/v1/reconcile").json()
    assert _errors(validators["manifest.json"], manifest) == []
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert {"url", "width", "height"} <= set(manifest["preview"])
    assert manifest["extend"]["propose_properties"]["service_path"]
    assert manifest["extend"]["property_settings"]


def test_the_test_batches_are_valid_query_batches(validators: dict[str, Draft7Validator]) -> None:
    assert _errors(validators["reconciliation-query-batch.json"], BATCH) == []
    assert _errors(validators["reconciliation-query-batch.json"], PROPERTY_BATCH) == []


def test_a_batch_by_get_validates(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    results = client.get("/v1/reconcile", params={"queries": json.dumps(BATCH)}).json()
    assert _errors(validators["reconciliation-result-batch.json"], results) == []


def test_a_form_encoded_post_validates(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    response = client.post("/v1/reconcile", data={"queries": json.dumps(BATCH)})
    assert response.status_code == 200
    assert _errors(validators["reconciliation-result-batch.json"], response.json()) == []


def test_property_matching_results_validate_with_their_features(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    response = client.post("/v1/reconcile", data={"queries": json.dumps(PROPERTY_BATCH)})
    assert response.status_code == 200
    results = response.json()
    assert _errors(validators["reconciliation-result-batch.json"], results) == []
    assert results["q0"]["result"][0]["features"]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("entity", {"prefix": "Соц"}),
        ("entity", {"prefix": "Kaz", "type": "person", "limit": 2, "cursor": 1}),
        ("entity", {"prefix": ""}),
        ("type", {"prefix": "o"}),
        ("property", {"prefix": "date"}),
        ("property", {"prefix": "", "type": "organisation", "limit": 50}),
    ],
)
def test_suggest_responses_validate(
    client: TestClient,
    validators: dict[str, Draft7Validator],
    kind: str,
    params: dict[str, Any],
) -> None:
    response = client.get(f"/v1/reconcile/suggest/{kind}", params=params)
    assert response.status_code == 200
    schema = {"entity": "entities", "type": "types", "property": "properties"}[kind]
    assert _errors(validators[f"suggest-{schema}-response.json"], response.json()) == []


@pytest.mark.parametrize("type_id", ["organisation", "person", "event", "place", "concept", ""])
def test_property_proposals_validate(
    client: TestClient, validators: dict[str, Draft7Validator], type_id: str
) -> None:
    response = client.get("/v1/reconcile/extend/properties", params={"type": type_id})
    assert response.status_code == 200
    proposal = response.json()
    assert _errors(validators["data-extension-property-proposal.json"], proposal) == []
    assert proposal["properties"]


def test_extend_queries_and_responses_validate(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    everything = [
        {"id": p["id"], "settings": {"disputed": "include"}}
        for p in client.get("/v1/reconcile/extend/properties").json()["properties"]
    ]
    ids = [*COLUMN.values(), "ainur-kurmanov", "zhanaozen-strike-and-shootings", "almaty", "nobody"]
    for query in (
        {"ids": list(COLUMN.values()), "properties": THREE},
        {"ids": ids, "properties": everything},
    ):
        assert _errors(validators["data-extension-query.json"], query) == []
        response = client.post("/v1/reconcile", data={"extend": json.dumps(query)})
        assert response.status_code == 200
        answer = response.json()
        assert _errors(validators["data-extension-response.json"], answer) == []
    # Every shape of cell is there: entities, texts and dates (with a time).
    cells = [c for row in answer["rows"].values() for values in row.values() for c in values]
    assert {frozenset(c) for c in cells} >= {
        frozenset({"id", "name"}),
        frozenset({"str"}),
        frozenset({"date"}),
    }
    assert answer["rows"][SMK]["founding_date"][0] == {"date": "2006-02-21T00:00:00Z"}


def test_a_query_the_official_schema_rejects_is_refused(
    client: TestClient, validators: dict[str, Draft7Validator]
) -> None:
    for query in (
        {"ids": [SMK]},
        {"ids": SMK, "properties": []},
        {"ids": [SMK], "properties": [{}]},
    ):
        assert _errors(validators["data-extension-query.json"], query)
        assert client.post("/v1/reconcile/extend", json=query).status_code == 422
