"""Limits on what a client may send, enforced before any work is done.

Two layers, because a hostile client can stall a server before a request exists:

* ``LimitedHttpToolsProtocol`` is uvicorn's httptools protocol with what uvicorn lacks
  (``kb serve`` installs it): a **header timeout** (a client that has not finished its
  request line and headers within ``KB_HEADER_TIMEOUT`` seconds of connecting, or of
  the first byte of its next request, gets a 408 and is disconnected: uvicorn's own
  keep-alive timeout is armed only between requests, so a slowloris client that
  trickles one header byte at a time was held for ever), and a **size bound on the
  request head while it is read** (httptools buffers a header of any size: a 100 MB
  header took 15 s and 100 MB to parse). Such a head gets 414 or 431 and the
  connection is closed.
* ``RequestLimitsMiddleware`` is a pure ASGI layer that checks every request the
  server parsed: URL length (414), header count and total size (431), body size (413,
  from ``Content-Length`` at once, and while the body streams in, so a large body is
  never held in memory) and the time the body takes to arrive (408).

Every refusal is ``application/problem+json``; those that leave a request's body
unread also close the connection. ``check_json`` bounds the JSON documents the API
parses itself (reconciliation batches): nesting depth, number size, no ``NaN`` or
``Infinity``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.config import get_settings
from app.core.errors import PROBLEM_BASE, PROBLEM_JSON

_REASONS = {
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
}
_SLUGS = {
    408: "request-timeout",
    413: "content-too-large",
    414: "uri-too-long",
    431: "header-fields-too-large",
}


def problem_bytes(status: int, detail: str, instance: str | None = None) -> bytes:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + _SLUGS[status],
        "title": _REASONS[status],
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    return json.dumps(body).encode()


async def send_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    """A limit's problem, with ``Connection: close``: whatever the client still sends
    of this request is not read."""
    path = scope.get("path", "")
    body = problem_bytes(status, detail, path if len(path) <= 200 else None)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestRefused(Exception):  # noqa: N818 (a refusal, not a fault)
    """Raised by the body reader of ``RequestLimitsMiddleware`` into the application;
    the middleware answers it (the application never sees a partial body)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class RequestLimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_url_bytes: int,
        max_header_bytes: int,
        max_header_count: int,
        body_timeout: float,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes
        self.max_header_count = max_header_count
        self.body_timeout = body_timeout

    def _head_problem(self, scope: Scope) -> tuple[int, str] | None:
        url = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if url > self.max_url_bytes:
            return 414, f"the URL has {url} bytes; at most {self.max_url_bytes}"
        headers = scope["headers"]
        if len(headers) > self.max_header_count:
            return 431, f"{len(headers)} header fields; at most {self.max_header_count}"
        size = sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            return 431, f"the headers have {size} bytes; at most {self.max_header_bytes}"
        for name, value in headers:
            if name == b"content-length":
                if not value.isdigit():
                    return None  # the server has refused it already
                if int(value) > self.max_body_bytes:
                    return 413, (f"the body has {int(value)} bytes; at most {self.max_body_bytes}")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._head_problem(scope)
        if problem is not None:
            await send_problem(scope, send, *problem)
            return

        deadline = time.monotonic() + self.body_timeout
        received = 0
        body_done = False
        refused: RequestRefused | None = None
        started = False

        async def limited_receive() -> Message:
            nonlocal received, body_done, refused
            if refused is not None:
                raise refused
            if body_done:
                return await receive()
            try:
                with anyio.fail_after(max(deadline - time.monotonic(), 0)):
                    message = await receive()
            except TimeoutError:
                refused = RequestRefused(
                    408, f"the body did not arrive within {self.body_timeout:g} s"
                )
                raise refused from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    refused = RequestRefused(
                        413, f"the body has more than {self.max_body_bytes} bytes"
                    )
                    raise refused
                body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused is not None:
                # The application answered the refusal itself (say, as a 400 for a
                # body it could not read): the refusal is what the client gets.
                if not started:
                    started = True
                    await send_problem(scope, send, refused.status, refused.detail)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except RequestRefused as exc:
            if not started:
                started = True
                await send_problem(scope, send, exc.status, exc.detail)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus a header timeout and a bound on the size of
    a request head while it is read (see the module docstring).

    Counting is done on the bytes received while a head is incomplete: they may end
    with the start of a body, so the check runs after the parser has seen them, and
    only if the head is still incomplete. A head that completes within one read is
    checked exactly by ``RequestLimitsMiddleware``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._header_timeout = settings.header_timeout
        self._max_url = settings.max_url_bytes
        self._max_head = settings.max_url_bytes + settings.max_header_bytes
        self._max_count = settings.max_header_count
        self._head_timer: asyncio.TimerHandle | None = None
        self._reading_head = True
        self._head_bytes = 0
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _start_head(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self._header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._reading_head:
            self._start_head()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._reading_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if not self._reading_head or self.transport.is_closing():
            return
        url = len(getattr(self, "url", b""))
        if url > self._max_url:
            self._refuse(414, f"the URL has more than {self._max_url} bytes")
        elif self._head_bytes > self._max_head:
            self._refuse(431, f"the request head has more than {self._max_head} bytes")
        elif self.headers is not None and len(self.headers) > self._max_count:
            self._refuse(431, f"more than {self._max_count} header fields")

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._reading_head and not self.transport.is_closing():
            self._refuse(408, f"the request head did not arrive within {self._header_timeout:g} s")

    def _refuse(self, status: int, detail: str) -> None:
        self._refused = True
        self._stop_head_timer()
        body = problem_bytes(status, detail)
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
            f"content-type: {PROBLEM_JSON}\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()


# Reconciliation batches are JSON parsed by the API itself: Python's parser recurses
# (100,000 nested brackets: RecursionError), turns a 5,000-digit integer into an error
# only when converting it, and accepts NaN and Infinity. The document is scanned first,
# in one pass: strings are skipped whole (an unterminated one runs to the end, so the
# scan stays linear), brackets are counted and long digit runs found.
_BRACKETS = frozenset("[]{}")


def _scanner(max_digits: int) -> re.Pattern[str]:
    digits = r"\d{" + str(max_digits + 1) + ",}"
    return re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\Z)|[\[{]|[\]}]|' + digits)


_SCANNERS: dict[int, re.Pattern[str]] = {}


class JSONLimitError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise JSONLimitError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONLimitError(f"the number {text[:20]} is too large")
    return value


def check_json(raw: str, max_depth: int, max_digits: int) -> None:
    """Raise ``JSONLimitError`` if the document nests deeper than ``max_depth`` or
    holds a number of more than ``max_digits`` digits."""
    brackets = sum(raw.count(c) for c in _BRACKETS)
    if brackets <= max_depth and not re.search(r"\d{" + str(max_digits + 1) + "}", raw):
        return
    scanner = _SCANNERS.setdefault(max_digits, _scanner(max_digits))
    depth = 0
    for match in scanner.finditer(raw):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise JSONLimitError(f"nested more than {max_depth} deep")
        elif token in ("]", "}"):
            depth -= 1
        elif token[0] != '"':
            raise JSONLimitError(f"a number has more than {max_digits} digits")


def loads_limited(raw: str, max_depth: int, max_digits: int) -> Any:
    """``json.loads`` within the limits; ``JSONLimitError`` for a document beyond them
    or holding ``NaN``, ``Infinity`` or a number too large for a float, and
    ``json.JSONDecodeError`` for one that is not JSON."""
    check_json(raw, max_depth, max_digits)
    return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
