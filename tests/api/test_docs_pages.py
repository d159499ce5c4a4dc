"""The docs work with no internet: every script and stylesheet is served by the app."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assets = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
        r'<link[^>]+href="([^"]+)"', html
    )
    assert assets, "the page references its assets"
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the app"
        assert client.get(asset).status_code == 200, asset
    assert "cdn." not in html
    assert "fonts.googleapis" not in html


def test_openapi_documents_every_contract_route_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "smk-kb"
    assert schema["info"]["version"]
    assert schema["info"]["description"]
    paths = schema["paths"]
    for path in (
        "/v1/organisations",
        "/v1/organisations/{organisation_id}",
        "/v1/people",
        "/v1/people/{person_id}",
        "/v1/events",
        "/v1/events/{event_id}",
        "/v1/places",
        "/v1/places/{place_id}",
        "/v1/citations",
        "/v1/citations/{citation_id}",
        "/v1/aliases",
        "/v1/entities/{entity_id}",
        "/v1/search",
        "/v1/timeline",
        "/v1/entities/{entity_id}/graph",
        "/v1/reconcile",
        "/health",
    ):
        operation = paths[path]["get"]
        assert operation["tags"], path
        assert "200" in operation["responses"], path
        assert "application/json" in operation["responses"]["200"]["content"], path
    assert {t["name"] for t in schema["tags"]} >= {"organisations", "people", "events", "places"}
    detail = paths["/v1/organisations/{organisation_id}"]["get"]["responses"]["200"]["content"]
    assert detail["application/json"]["example"]["id"] == "socialist-movement-of-kazakhstan"
    assert "404" in paths["/v1/organisations/{organisation_id}"]["get"]["responses"]
    for path in ("/v1/search", "/v1/timeline", "/v1/entities/{entity_id}/graph", "/v1/reconcile"):
        assert paths[path]["get"]["responses"]["200"]["content"]["application/json"]["example"], (
            path
        )
    assert "post" in paths["/v1/reconcile"]


def test_the_documented_error_examples_are_real_answers(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    responses = schema["paths"]["/v1/people/{person_id}"]["get"]["responses"]
    documented_404 = responses["404"]["content"]["application/problem+json"]["example"]
    assert client.get(documented_404["instance"]).json() == documented_404
    listing = schema["paths"]["/v1/people"]["get"]["responses"]
    documented_422 = listing["422"]["content"]["application/problem+json"]["example"]
    assert client.get("/v1/people", params={"limit": 201}).json() == documented_422


def test_options_and_405_list_every_method_of_the_path(client: TestClient) -> None:
    options = client.options("/v1/reconcile")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    refused = client.delete("/v1/reconcile")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    preflight = client.options(
        "/v1/reconcile",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
