"""/v1/reconcile validated with the official W3C Reconciliation API 0.2 schemas.

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
from tests.shared import shared_path

SCHEMAS = ("schemas", "reconciliation-0.2")


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
    return {
        name: Draft7Validator(documents[name], registry=registry)
        for name in (
            "manifest.json",
            "reconciliation-result-batch.json",
            "reconciliation-query-batch.json",
        )
    }


@pytest.mark.parametrize(
    ("kind", "schema"),
    [
        ("manifest", "manifest.json"),
        ("reconciliation-result-batch", "reconciliation-result-batch.json"),
        ("reconciliation-query-batch", "reconciliation-query-batch.json"),
    ],
)
def test_the_validators_accept_the_valid_and_reject_the_invalid_examples(
    schemas: Path, validators: dict[str, Draft7Validator], kind: str, schema: str
) -> None:
    valid = sorted((schemas / "examples" / kind / "valid").glob("*.json"))
    invalid = sorted((schemas / "examples" / kind / "invalid").glob("*.json"))
    assert valid
    assert invalid
    for path in valid:
        assert not list(validators[schema].iter_errors(json.loads(path.read_text()))), path
    for path in invalid:
        assert list(validators[schema].iter_errors(json.loads(path.read_text()))), path


def _errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_the_manifest_validates(client: TestClient, validators: dict[str, Draft7Validator]) -> None:
    manifest = client.get("/v1/reconcile").json()
    assert _errors(validators["manifest.json"], manifest) == []


def test_the_test_batch_is_a_valid_query_batch(validators: dict[str, Draft7Validator]) -> None:
    assert _errors(validators["reconciliation-query-batch.json"], BATCH) == []


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
