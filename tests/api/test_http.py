"""Conditional requests, caching headers and CORS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import DATA_DIR

SMK = "/v1/organisations/socialist-movement-of-kazakhstan"


def test_every_get_has_an_etag_and_cache_control(client: TestClient) -> None:
    for path in (SMK, "/v1/people", "/v1/citations/ref-1", "/health"):
        response = client.get(path)
        assert response.headers["etag"].startswith('"')
        assert response.headers["cache-control"] == "public, max-age=60"


def test_a_matching_if_none_match_gets_304_without_a_body(client: TestClient) -> None:
    etag = client.get(SMK).headers["etag"]
    response = client.get(SMK, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    # RFC 9110 15.4.5: a 304 describes no body of its own.
    assert "content-type" not in response.headers
    assert response.headers.get("content-length", "0") == "0"
    assert client.get(SMK, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304


def test_a_stale_etag_gets_the_full_body(client: TestClient) -> None:
    response = client.get(SMK, headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert response.json()["id"] == "socialist-movement-of-kazakhstan"


def test_different_queries_have_different_etags(client: TestClient) -> None:
    first = client.get("/v1/people?limit=1").headers["etag"]
    second = client.get("/v1/people?limit=2").headers["etag"]
    assert first != second


def test_errors_are_not_given_an_etag(client: TestClient) -> None:
    assert "etag" not in client.get("/v1/people/nobody").headers


def test_cors_allows_browser_reads_from_any_origin_by_default(client: TestClient) -> None:
    response = client.get(SMK, headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        SMK, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    head = client.head(SMK)
    get = client.get(SMK)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]


def test_opentelemetry_is_off_unless_asked_for(
    seeded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if an operator had configured the global providers (opentelemetry-sdk).
    monkeypatch.setattr("fastapi.telemetry._asgi._unconfigured", lambda _provider: False)
    default = create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR))
    asked = create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR, opentelemetry=True))
    assert not default._native_telemetry.enabled()
    assert asked._native_telemetry.enabled()
