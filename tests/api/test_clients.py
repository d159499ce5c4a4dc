"""What an integrating service relies on: a batch read, an index at the root, the next
page as a Link header and a cursor of its own, and a schema that says what is sent."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_a_batch_of_entities_in_one_request_in_the_order_asked(client: TestClient) -> None:
    response = client.get("/v1/entities", params={"ids": "almaty,nobody,ainur-kurmanov,almaty"})
    assert response.status_code == 200
    body = response.json()
    assert [e["id"] for e in body["items"]] == ["almaty", "ainur-kurmanov"]
    assert body["missing"] == ["nobody"]
    assert body["items"][1] == client.get("/v1/people/ainur-kurmanov").json()


def test_a_batch_is_at_most_50_ids(client: TestClient) -> None:
    too_many = ",".join(f"e{n}" for n in range(51))
    response = client.get("/v1/entities", params={"ids": too_many})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "ids"]


def test_the_root_links_to_the_docs_and_every_collection(client: TestClient) -> None:
    body = client.get("/").json()
    assert body["docs"] == "/docs"
    hrefs = {c["href"] for c in body["collections"]}
    assert {"/v1/organisations", "/v1/people", "/v1/events", "/v1/places", "/v1/search"} <= hrefs
    # Each is there: 200, or 422 where a parameter is required (search's q, ...).
    for href in hrefs - {"/v1/changes/stream", "/v1/export"}:
        assert client.get(href).status_code in (200, 422), href


def test_a_list_page_links_to_the_next_one_and_gives_its_cursor(client: TestClient) -> None:
    first = client.get("/v1/people", params={"limit": 2})
    body = first.json()
    assert first.headers["link"] == f'<{body["next"]}>; rel="next"'
    assert body["next"].endswith(f"cursor={body['cursor']}")
    second = client.get("/v1/people", params={"limit": 2, "cursor": body["cursor"]})
    assert second.json()["items"][0]["id"] != body["items"][0]["id"]
    last = client.get("/v1/people", params={"limit": 200}).json()
    assert last["next"] is None
    assert last["cursor"] is None


def test_fields_always_sent_are_required_in_the_schema(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    organisation = schemas["OrganisationRead"]
    assert {"description", "founding_date", "headquarters", "as_of"} <= set(
        organisation["required"]
    )
    assert "cursor" in schemas["Page_OrganisationRead_"]["required"]


def test_operations_have_short_meaningful_ids(app: FastAPI) -> None:
    operations = {
        op["operationId"]
        for path in app.openapi()["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {
        "get_organisation",
        "list_events",
        "search",
        "create_person",
        "update_person_alias",
    } <= operations
    assert all(len(op) <= 40 and "_v1_" not in op for op in operations)
