"""Issue 13, limits: each refused before any work with a problem (413, 414, 431, 422,
408), and crafted reconciliation JSON never reaches a 500 (failures 3, 4 and 7)."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.limits import JSONLimitError, RequestLimitsMiddleware, check_json
from app.reconcile.service import MAX_QUERIES

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_a_long_url_is_414(client: TestClient) -> None:
    limit = Settings().max_url_bytes
    body = _problem(client.get("/v1/people?q=" + "a" * limit), 414)
    assert str(limit) in body["detail"]
    assert client.get("/v1/people?junk=" + "a" * (limit // 2)).status_code != 414


def test_too_many_headers_are_431(client: TestClient) -> None:
    count = Settings().max_header_count
    headers = {f"x-h{i}": "1" for i in range(count + 1)}
    _problem(client.get("/health", headers=headers), 431)


def test_headers_too_large_are_431(client: TestClient) -> None:
    size = Settings().max_header_bytes
    _problem(client.get("/health", headers={"x-big": "a" * size}), 431)
    assert client.get("/health", headers={"x-big": "a" * (size // 2)}).status_code == 200


def test_a_declared_body_too_large_is_413_before_it_is_read(client: TestClient) -> None:
    limit = Settings().max_body_bytes
    response = client.post(
        "/v1/reconcile", content=b"{" + b" " * limit + b"}", headers={"content-type": "json"}
    )
    body = _problem(response, 413)
    assert str(limit) in body["detail"]
    assert response.headers["connection"] == "close"


def test_a_streamed_body_too_large_is_413_once_past_the_limit(app: FastAPI) -> None:
    """No Content-Length (chunked): counted while it streams in, refused once past the
    limit; the rest is never read (the whole application, called as ASGI)."""
    limit = Settings().max_body_bytes
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 65536
        return {"type": "http.request", "body": b" " * 65536, "more_body": read < 100 << 20}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/reconcile",
        "raw_path": b"/v1/reconcile",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 413
    assert json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["status"] == 413
    assert read <= limit + 2 * 65536


def test_a_body_that_arrives_too_slowly_is_408() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        raise AssertionError("the whole body was read")

    async def slow_receive() -> dict[str, Any]:
        await anyio.sleep(0.2)
        return {"type": "http.request", "body": b"x", "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = RequestLimitsMiddleware(
        app,
        max_body_bytes=1 << 20,
        max_url_bytes=1 << 14,
        max_header_bytes=1 << 14,
        max_header_count=100,
        body_timeout=0.5,
    )
    scope = {"type": "http", "method": "POST", "path": "/v1/reconcile", "headers": []}
    started = time.monotonic()
    anyio.run(middleware, scope, slow_receive, send)
    assert time.monotonic() - started < 1.5
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["status"] == 408


def _post_json(client: TestClient, text: str) -> Any:
    return client.post(
        "/v1/reconcile", content=text.encode(), headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"q0": {"query": "a", "properties": [{"pid": "x", "v": '
        + "[" * 3000
        + "]" * 3000
        + "}]}}",
        '{"q0": {"query": "Kurmanov", "limit": Infinity}}',
        '{"q0": {"query": "Kurmanov", "limit": -Infinity}}',
        '{"q0": {"query": "Kurmanov", "limit": NaN}}',
        '{"q0": {"query": "Kurmanov", "limit": 1e999}}',
        '{"q0": {"query": "Kurmanov", "limit": ' + "9" * 5000 + "}}",
        '{"q0": {"query": "Kurmanov", "properties": [{"pid": "x", "v": -' + "1" * 5000 + "}]}}",
    ],
    ids=["deep", "deep-properties", "inf", "-inf", "nan", "1e999", "5000-digits", "v-digits"],
)
def test_crafted_json_is_422_not_500(client: TestClient, text: str) -> None:
    body = _problem(_post_json(client, text), 422)
    assert body["errors"][0]["loc"][0] == "queries"
    form = client.post("/v1/reconcile", data={"queries": text})
    _problem(form, 422)


def test_crafted_json_in_a_get_is_422(client: TestClient) -> None:
    deep = '{"q0": {"query": "a", "properties": [{"pid": "x", "v": ' + "[" * 3000
    _problem(client.get("/v1/reconcile", params={"queries": deep}), 422)


def test_ordinary_batches_are_still_answered(client: TestClient) -> None:
    text = json.dumps(
        {
            "q0": {"query": "Ainur Kurmanov", "limit": 2.5},
            "q1": {"query": "Kurmanov", "properties": [{"pid": "x", "v": [[[1.5e300, 12345]]]}]},
        }
    )
    response = _post_json(client, text)
    assert response.status_code == 200, response.text
    assert response.json()["q0"]["result"][0]["id"] == "ainur-kurmanov"


def test_more_queries_than_a_batch_takes_are_422(client: TestClient) -> None:
    batch = {f"q{i}": {"query": "Kurmanov"} for i in range(MAX_QUERIES + 1)}
    body = _problem(_post_json(client, json.dumps(batch)), 422)
    assert str(MAX_QUERIES) in body["detail"]


@pytest.mark.parametrize(
    "text",
    [
        '"' + '\\"' * 500_000,  # unterminated string full of escaped quotes
        "[" * 500_000,
        "[1," * 300_000,
        '["' + "a" * 1_000_000 + '"]',
        "1" * 1_000_000,
    ],
    ids=["escaped-quotes", "brackets", "wide", "long-string", "digits"],
)
def test_the_json_check_is_linear(text: str) -> None:
    started = time.perf_counter()
    with contextlib.suppress(JSONLimitError):
        check_json(text, 32, 50)
    assert time.perf_counter() - started < 1.0
