"""The lean CORS and gzip layers send exactly what Starlette's own layers send, and the
header-list helpers edit a list as Starlette's ``MutableHeaders`` does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.compression import LeanGZipMiddleware
from app.core.cors import LeanCORSMiddleware
from app.core.header_lists import header_value, remove_header, set_header, vary_on

Headers = list[tuple[bytes, bytes]]


def answering(status: int, headers: Headers, chunks: list[bytes]) -> ASGIApp:
    """An app that answers every request with these headers and body chunks."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        for n, chunk in enumerate(chunks):
            more = n < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


def sent(layer: ASGIApp, request_headers: Headers, method: str = "GET") -> list[Message]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": "/v1/search",
        "query_string": b"q=x",
        "headers": request_headers,
    }
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    asyncio.run(layer(scope, receive, send))
    return messages


JSON = (b"content-type", b"application/json")
RESPONSES = {
    "small JSON": (200, [JSON, (b"content-length", b"20")], [b'{"items": [], "n": 0}']),
    "large JSON": (200, [JSON], [b'{"a": "' + b"x" * 5000 + b'"}']),
    "streamed": (200, [JSON], [b"[" + b"1," * 2000, b"1]"]),
    "already varied": (200, [JSON, (b"vary", b"Accept")], [b"{}" * 1000]),
    "varied twice": (200, [(b"vary", b"Accept"), JSON, (b"vary", b"Cookie")], [b"{}"]),
    "an image": (200, [(b"content-type", b"image/png")], [b"\x89PNG" * 1000]),
    "an event stream": (200, [(b"content-type", b"text/event-stream")], [b"data: 1\n\n"]),
    "encoded already": (200, [JSON, (b"content-encoding", b"br")], [b"x" * 5000]),
    "a partial body": (206, [JSON], [b"x" * 5000]),
    "a problem": (404, [(b"content-type", b"application/problem+json")], [b"{}"]),
}
REQUESTS = {
    "no headers": [],
    "gzip": [(b"accept-encoding", b"gzip, deflate")],
    "identity": [(b"accept-encoding", b"identity")],
    "an origin": [(b"origin", b"https://example.org")],
    "an origin and gzip": [(b"origin", b"https://example.org"), (b"accept-encoding", b"gzip")],
    "a preflight": [
        (b"origin", b"https://example.org"),
        (b"access-control-request-method", b"GET"),
    ],
}


@pytest.mark.parametrize("request_name", REQUESTS)
@pytest.mark.parametrize("response_name", RESPONSES)
@pytest.mark.parametrize("origins", [["*"], ["https://example.org"], ["https://other.example"]])
def test_the_lean_cors_layer_sends_what_starlettes_does(
    request_name: str, response_name: str, origins: list[str]
) -> None:
    app = answering(*RESPONSES[response_name])
    options: dict[str, Any] = {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST"],
        "expose_headers": ["ETag"],
    }
    method = "OPTIONS" if request_name == "a preflight" else "GET"
    theirs = sent(CORSMiddleware(app, **options), REQUESTS[request_name], method)
    ours = sent(LeanCORSMiddleware(app, **options), REQUESTS[request_name], method)
    assert ours == theirs


@pytest.mark.parametrize("request_name", REQUESTS)
@pytest.mark.parametrize("response_name", RESPONSES)
def test_the_lean_gzip_layer_sends_what_starlettes_does(
    request_name: str, response_name: str
) -> None:
    app = answering(*RESPONSES[response_name])
    theirs = sent(GZipMiddleware(app, minimum_size=1400, compresslevel=6), REQUESTS[request_name])
    ours = sent(LeanGZipMiddleware(app, minimum_size=1400, compresslevel=6), REQUESTS[request_name])
    assert ours == theirs


HEADER_LISTS: list[Headers] = [
    [],
    [JSON],
    [(b"vary", b"Accept"), JSON],
    [(b"vary", b"Accept"), JSON, (b"vary", b"Cookie"), (b"etag", b'"1"')],
    [(b"etag", b'"1"'), (b"etag", b'"2"'), JSON, (b"etag", b'"3"')],
]


@pytest.mark.parametrize("headers", HEADER_LISTS)
@pytest.mark.parametrize("name", [b"vary", b"etag", b"content-type", b"cache-control"])
def test_header_lists_are_edited_as_mutable_headers_edit_them(
    headers: Headers, name: bytes
) -> None:
    theirs = MutableHeaders(raw=list(headers))
    assert header_value(headers, name) == (
        theirs[name.decode()].encode() if name.decode() in theirs else None
    )

    ours = list(headers)
    set_header(ours, name, b"new")
    theirs[name.decode()] = "new"
    assert ours == theirs.raw

    ours = list(headers)
    remove_header(ours, name)
    theirs = MutableHeaders(raw=list(headers))
    if name.decode() in theirs:
        del theirs[name.decode()]
    assert ours == theirs.raw

    ours = list(headers)
    vary_on(ours, b"Origin")
    theirs = MutableHeaders(raw=list(headers))
    theirs.add_vary_header("Origin")
    assert ours == theirs.raw
