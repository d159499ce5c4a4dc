"""WriteRateLimitMiddleware around a tiny Starlette app (the write routes are not the
point: what reaches the app, and what the client is told)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from limits.aio.storage import MemoryStorage
from limits.errors import StorageError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.rate_limit import WriteRateLimitMiddleware

TOKEN = "s3cret-token-value-0123456789"
OTHER_TOKEN = "another-token-value-9876543210"
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


async def echo(request: Request) -> Response:
    body = await request.body()
    request.app.state.calls += 1
    return JSONResponse({"method": request.method, "bytes": len(body)}, headers={"X-App": "yes"})


def build(limit: str) -> tuple[WriteRateLimitMiddleware, Starlette]:
    inner = Starlette(
        routes=[
            Route("/v1/items", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/v1/reconcile", echo, methods=["GET", "POST"]),
            Route("/v1/reconciled", echo, methods=["POST"]),
        ]
    )
    inner.state.calls = 0
    return WriteRateLimitMiddleware(inner, limit=limit, storage_uri="async+memory://"), inner


def with_client_address(app: WriteRateLimitMiddleware) -> ASGIApp:
    """The client address from an ``X-Test-Client`` header, so one test client can
    stand for several callers."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-client":
                    scope = {**scope, "client": (value.decode(), 50000)}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture
def limited() -> Iterator[tuple[TestClient, WriteRateLimitMiddleware, Starlette]]:
    limiter, inner = build("3/minute")
    with TestClient(with_client_address(limiter)) as client:
        yield client, limiter, inner


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_write_past_the_limit_is_a_429_problem_and_never_reaches_the_app(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
) -> None:
    client, _, inner = limited
    for _ in range(3):
        assert client.post("/v1/items", json={}, headers=bearer(TOKEN)).status_code == 200
    calls = inner.state.calls

    refused = client.post("/v1/items", json={"big": "x" * 1000}, headers=bearer(TOKEN))

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "https://smk-kb.example/problems/rate-limited"
    assert body["title"] == "Too Many Requests"
    assert body["status"] == 429
    assert "3 writes in the last 60 s" in body["detail"]
    assert body["instance"] == "/v1/items"
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.headers["ratelimit-limit"] == "3"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == str(retry_after)
    assert refused.headers["ratelimit-policy"] == '"writes";q=3;w=60'
    assert refused.headers["ratelimit"] == f'"writes";r=0;t={retry_after}'
    assert inner.state.calls == calls
    assert TOKEN not in refused.text


def test_the_remaining_count_decreases_and_the_app_headers_are_kept(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
) -> None:
    client, _, _ = limited
    remaining = []
    for method in ("POST", "PUT", "PATCH"):
        response = client.request(method, "/v1/items", headers=bearer(TOKEN))
        assert response.status_code == 200
        assert response.headers["x-app"] == "yes"
        assert response.headers["content-type"] == "application/json"
        assert response.headers["ratelimit-limit"] == "3"
        assert response.headers["ratelimit-policy"] == '"writes";q=3;w=60'
        assert 1 <= int(response.headers["ratelimit-reset"]) <= 60
        assert response.headers["ratelimit"] == (
            f'"writes";r={response.headers["ratelimit-remaining"]};'
            f"t={response.headers['ratelimit-reset']}"
        )
        remaining.append(int(response.headers["ratelimit-remaining"]))
    assert remaining == [2, 1, 0]
    assert client.delete("/v1/items", headers=bearer(TOKEN)).status_code == 429


def test_another_key_has_its_own_count(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
) -> None:
    client, _, _ = limited
    for _ in range(4):
        client.post("/v1/items", headers=bearer(TOKEN))
    assert client.post("/v1/items", headers=bearer(TOKEN)).status_code == 429

    other = client.post("/v1/items", headers=bearer(OTHER_TOKEN))
    assert other.status_code == 200
    assert other.headers["ratelimit-remaining"] == "2"
    # Without a token the caller is its address, not any key's count.
    anonymous = client.post("/v1/items")
    assert anonymous.status_code == 200
    assert anonymous.headers["ratelimit-remaining"] == "2"


def test_reads_are_never_limited_and_carry_no_rate_limit_headers(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
) -> None:
    client, limiter, _ = limited
    for _ in range(4):
        client.post("/v1/items", headers=bearer(TOKEN))
    for method in ("GET", "HEAD", "OPTIONS"):
        for _ in range(5):
            response = client.request(method, "/v1/items", headers=bearer(TOKEN))
            assert response.status_code != 429
            assert not [h for h in response.headers if h.startswith("ratelimit")]
            assert "retry-after" not in response.headers
    storage = limiter.storage
    assert isinstance(storage, MemoryStorage)
    assert sum(len(events) for events in storage.events.values()) == 3


def test_the_exempt_prefix_is_not_limited_but_its_look_alike_is(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
) -> None:
    client, _, _ = limited
    for _ in range(10):
        response = client.post("/v1/reconcile", json={"q0": {"query": "x"}}, headers=bearer(TOKEN))
        assert response.status_code == 200
        assert "ratelimit" not in response.headers
    looks_alike = client.post("/v1/reconciled", headers=bearer(TOKEN))
    assert looks_alike.headers["ratelimit-remaining"] == "2"


def test_requests_without_a_token_are_limited_per_client_address(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
) -> None:
    client, limiter, _ = limited
    first = {"X-Test-Client": "192.0.2.1"}
    for _ in range(3):
        assert client.post("/v1/items", headers=first).status_code == 200
    refused = client.post("/v1/items", headers=first)
    assert refused.status_code == 429
    assert "client address" in refused.json()["detail"]
    # A scheme other than Bearer is no token: still the address.
    basic = client.post("/v1/items", headers={**first, "Authorization": "Basic eDp5"})
    assert basic.status_code == 429

    assert client.post("/v1/items", headers={"X-Test-Client": "192.0.2.2"}).status_code == 200
    # A token is its own count, whatever the address.
    assert client.post("/v1/items", headers={**first, **bearer(TOKEN)}).status_code == 200
    storage = limiter.storage
    assert isinstance(storage, MemoryStorage)
    assert any("ip:192.0.2.1" in key for key in storage.events)


def test_the_token_is_in_neither_the_storage_keys_nor_the_logs(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, limiter, _ = limited
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        client.post("/v1/items", headers=bearer(TOKEN))

    storage = limiter.storage
    assert isinstance(storage, MemoryStorage)
    keys = [*storage.events, *storage.storage, *storage.expirations]
    assert keys
    assert all(TOKEN not in key for key in keys)
    assert all(key.split("/")[2].startswith("key:") for key in storage.events)
    assert any("write rate limit reached by key:" in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in repr(record.args)


def test_writes_are_allowed_again_once_the_window_has_passed() -> None:
    limiter, _ = build("2/second")
    with TestClient(limiter) as client:
        assert client.post("/v1/items", headers=bearer(TOKEN)).status_code == 200
        assert client.post("/v1/items", headers=bearer(TOKEN)).status_code == 200
        refused = client.post("/v1/items", headers=bearer(TOKEN))
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["ratelimit-policy"] == '"writes";q=2;w=1'

        time.sleep(1.05)

        again = client.post("/v1/items", headers=bearer(TOKEN))
        assert again.status_code == 200
        assert again.headers["ratelimit-remaining"] == "1"


def test_a_failing_storage_lets_writes_through_and_is_logged(
    limited: tuple[TestClient, WriteRateLimitMiddleware, Starlette],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, limiter, inner = limited

    async def down(*args: object, **kwargs: object) -> bool:
        raise StorageError(ConnectionError("redis is down"))

    monkeypatch.setattr(limiter.limiter, "hit", down)
    with caplog.at_level(logging.WARNING, logger="app.core.rate_limit"):
        for _ in range(5):
            response = client.post("/v1/items", headers=bearer(TOKEN))
            assert response.status_code == 200
            assert "ratelimit" not in response.headers
    assert inner.state.calls == 5
    assert "ConnectionError: redis is down" in caplog.text
    assert TOKEN not in caplog.text


def test_a_malformed_limit_or_a_sync_storage_fails_at_start() -> None:
    inner = Starlette()
    with pytest.raises(ValueError, match="couldn't parse"):
        WriteRateLimitMiddleware(inner, limit="lots", storage_uri="async+memory://")
    with pytest.raises(ValueError, match="not an async storage"):
        WriteRateLimitMiddleware(inner, limit="1/second", storage_uri="memory://")
