"""Issue 13: security headers, CORS headers, no Host poisoning of the cached manifest
(failure 5), cheap 500s, and the reconciliation time budget."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import DATA_DIR

SMK = "/v1/organisations/socialist-movement-of-kazakhstan"


@pytest.mark.parametrize(
    "path", [SMK, "/v1/people?limit=1", "/health", "/openapi.json", "/v2/nothing", "/docs"]
)
def test_every_response_has_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "server" not in headers


def test_json_may_run_and_load_nothing(client: TestClient) -> None:
    policy = client.get(SMK).headers["content-security-policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'"


def test_the_docs_page_allows_its_own_inline_script_by_hash_and_nothing_else(
    client: TestClient,
) -> None:
    response = client.get("/docs")
    policy = response.headers["content-security-policy"]
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-eval'" not in policy


def test_cors_allows_only_the_headers_it_needs(client: TestClient) -> None:
    def preflight(header: str) -> tuple[int, str]:
        response = client.options(
            "/v1/reconcile",
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": header,
            },
        )
        return response.status_code, response.headers.get("access-control-allow-headers", "")

    # Reads need the first two; the curation API's writes the other three.
    needed_headers = (
        "content-type",
        "if-none-match",
        "authorization",
        "if-match",
        "idempotency-key",
        "last-event-id",
    )
    for needed in needed_headers:
        status, allowed = preflight(needed)
        assert status == 200
        assert needed in allowed.lower()
    status, allowed = preflight("cookie")
    assert status == 400
    assert "cookie" not in allowed.lower()


@pytest.fixture
def cached_app(seeded_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=seeded_url,
        data_dir=DATA_DIR,
        cache_enabled=True,
        public_base_url="https://kb.example.org/api",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_host_cannot_poison_the_cached_manifest(cached_app: TestClient) -> None:
    """Failure 5: the first client sent `Host: evil.example` and set the manifest's
    URLs for every later client. They come from KB_PUBLIC_BASE_URL now."""
    poisoned = cached_app.get("/v1/reconcile", headers={"Host": "evil.example"})
    assert poisoned.status_code == 200
    for response in (poisoned, cached_app.get("/v1/reconcile")):
        manifest = response.json()
        assert manifest["identifierSpace"] == "https://kb.example.org/api/v1/entities/"
        assert manifest["view"]["url"] == "https://kb.example.org/api/v1/entities/{{id}}"
        assert manifest["schemaSpace"] == "https://kb.example.org/api/openapi.json"
        assert "evil" not in response.text


def test_only_allowed_hosts_are_served(seeded_url: str) -> None:
    settings = Settings(
        database_url=seeded_url, data_dir=DATA_DIR, allowed_hosts=["kb.example.org"]
    )
    with TestClient(create_app(settings), base_url="http://kb.example.org") as client:
        assert client.get("/health").status_code == 200
        refused = client.get("/health", headers={"Host": "evil.example"})
        assert refused.status_code == 400
        assert refused.headers["x-content-type-options"] == "nosniff"


def test_a_500_logs_one_traceback_keeps_the_connection_and_has_cors(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """The "two more" of the issue: a 500 logged two tracebacks (16 KB), dropped the
    connection (the error reached the server) and had no CORS headers."""

    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom-for-test", explode)
    caplog.set_level(logging.INFO)
    try:
        # raise_server_exceptions: the test fails if the error reaches the server.
        with TestClient(app, raise_server_exceptions=True) as client:
            response = client.get("/boom-for-test", headers={"Origin": "https://example.org"})
    finally:
        app.router.routes = [
            r for r in app.router.routes if getattr(r, "path", "") != "/boom-for-test"
        ]
    assert response.status_code == 500
    request_id = response.json()["request_id"]
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-content-type-options"] == "nosniff"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert request_id in tracebacks[0].getMessage()
    assert "/boom-for-test" in tracebacks[0].getMessage()


def test_a_batch_past_its_time_budget_is_503_with_retry_after(seeded_url: str) -> None:
    settings = Settings(database_url=seeded_url, data_dir=DATA_DIR, reconcile_time_budget=1e-9)
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/reconcile", json={"q0": {"query": "Kurmanov"}})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    assert "0 of 1 queries" in response.json()["detail"]
