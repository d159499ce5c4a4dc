"""The example body the docs show for each create operation is one the API accepts."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

TYPE_PATHS = {
    "/v1/organisations": "organisation_id",
    "/v1/people": "person_id",
    "/v1/events": "event_id",
    "/v1/places": "place_id",
}


def _create_operations(app: FastAPI) -> dict[str, dict[str, Any]]:
    schema = app.openapi()
    found = {}
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post is None or "curation" not in post.get("tags", []) or path.endswith("/revert"):
            continue
        body = post["requestBody"]["content"]["application/json"]["schema"]
        name = body["$ref"].rsplit("/", 1)[-1]
        found[path] = schema["components"]["schemas"][name]["examples"][0]
    return found


def test_every_create_example_in_the_docs_is_accepted(
    client: TestClient, app: FastAPI, writer: dict[str, str]
) -> None:
    operations = _create_operations(app)
    assert len(operations) == 26  # 4 entity types, their facts, and citations
    # The entities first, from their own examples; then each fact example on a new one.
    new_ids = {}
    for path, parameter in TYPE_PATHS.items():
        created = client.post(path, json=operations.pop(path), headers=writer)
        assert created.status_code == 201, created.text
        new_ids[parameter] = created.json()["id"]
    refused = {}
    for path, example in operations.items():
        for parameter, entity_id in new_ids.items():
            path = path.replace("{" + parameter + "}", entity_id)
        response = client.post(path, json=example, headers=writer)
        if response.status_code != 201:
            refused[path] = response.json()["detail"]
    # One statement example serves every type; its property, ideology, fits only two.
    assert refused == {
        f"/v1/events/{new_ids['event_id']}/statements": "subject: 'ideology' applies to "
        "organisation, person, not to a event",
        f"/v1/places/{new_ids['place_id']}/statements": "subject: 'ideology' applies to "
        "organisation, person, not to a place",
    }
