"""Per-key rate limiting of writes: a pure ASGI layer built on the ``limits`` library.

Only unsafe methods (POST, PUT, PATCH, DELETE) are counted, and not on the exempt
prefixes (``POST /v1/reconcile`` is a read that happens to need a body). Every other
request is passed on after one method check: reads go on to the response cache
untouched, with no rate-limit headers.

**Identity.** A request with ``Authorization: Bearer <token>`` is counted against
``key:<first 32 hex digits of SHA-256(token)>``; the token itself is never stored,
logged or sent back. A request without a bearer token is counted against
``ip:<client address>`` (``scope["client"]``; behind a proxy, run uvicorn with
``--proxy-headers`` and ``--forwarded-allow-ips`` so that this is the caller's
address). The prefixes keep the two spaces apart. The limiter does not check the
token: a request with an unknown token is counted under that token's digest, and the
application refuses it.

**Over the limit** the answer is a 429 ``application/problem+json``, with
``Retry-After``; the application is not called and the request body is not read.

**Headers.** Every counted response, the application's own and the 429, carries

* ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (seconds): the
  three fields of draft-ietf-httpapi-ratelimit-headers up to -06, which most clients
  and gateways read today;
* ``RateLimit-Policy: "writes";q=<limit>;w=<window seconds>`` and
  ``RateLimit: "writes";r=<remaining>;t=<seconds>``: the Structured Fields Lists of
  **draft-ietf-httpapi-ratelimit-headers-11** (23 May 2026; the syntax of these two
  fields is unchanged since -08). No ``pk`` (partition key) parameter is sent: the
  client knows its own key, and a digest of it in every response would only help
  someone who sees the traffic tell keys apart.

``t`` and ``RateLimit-Reset`` are the seconds until the oldest counted write leaves
the window, that is until one more write is allowed; on a 429, ``Retry-After`` is the
same number (the draft: Retry-After should not point before the effective window's
end).

**Storage.** ``async+memory://`` (the default) keeps the counts in the process: with
N server workers a key may make N times the limit, and a restart forgets the counts.
``async+redis://host:6379`` (needs ``limits[async-redis]``) shares them across
processes and machines, through the ``limits.aio`` API, so a round trip to Redis
never blocks the event loop. If the storage fails (Redis down), the write is let
through without rate-limit headers and a warning is logged: the limiter protects
the service, and must not itself take writes down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MovingWindowSupport, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import PROBLEM_BASE, PROBLEM_JSON, Problem

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
POLICY_NAME = "writes"
RATE_LIMITED_SLUG = "rate-limited"
DIGEST_HEX_CHARS = 32  # 128 bits: no two keys share a count by accident


def client_identity(scope: Scope) -> str:
    """``key:<sha-256 prefix>`` for a bearer token, else ``ip:<client address>``."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            token = token.strip()
            if scheme.lower() == b"bearer" and token:
                return "key:" + hashlib.sha256(token).hexdigest()[:DIGEST_HEX_CHARS]
            break
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _exempt(path: str, prefixes: tuple[str, ...]) -> bool:
    """The prefix itself or a path below it: ``/v1/reconcile`` and
    ``/v1/reconcile/x``, not ``/v1/reconciled``."""
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


class WriteRateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: str,
        storage_uri: str = "async+memory://",
        exempt_prefixes: tuple[str, ...] = ("/v1/reconcile",),
    ) -> None:
        self.app = app
        self.item: RateLimitItem = parse(limit)  # ValueError for a malformed limit
        storage = storage_from_string(storage_uri, wrap_exceptions=True)
        if not isinstance(storage, Storage) or not isinstance(storage, MovingWindowSupport):
            raise ValueError(
                f"rate-limit storage {storage_uri.split('://')[0]}:// is not an async "
                "storage with moving-window support (use async+memory:// or async+redis://)"
            )
        self.storage = storage
        # Moving window, not fixed: a fixed window lets a key send twice the limit
        # across a window boundary (all of it in the last second of one window, all
        # again in the first second of the next); the moving window allows at most
        # `limit` writes in any `window` seconds, and says exactly when the next one
        # is allowed. It keeps one timestamp per counted write (at most `limit` per
        # key), cheap at write rates; on Redis it is one atomic script per write.
        self.limiter = MovingWindowRateLimiter(storage)
        self.window = self.item.get_expiry()
        self.exempt_prefixes = exempt_prefixes
        self.policy_header = f'"{POLICY_NAME}";q={self.item.amount};w={self.window}'.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in UNSAFE_METHODS
            or _exempt(scope["path"], self.exempt_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        identity = client_identity(scope)
        try:
            allowed = await self.limiter.hit(self.item, POLICY_NAME, identity)
            reset_at, remaining = await self.limiter.get_window_stats(
                self.item, POLICY_NAME, identity
            )
        except StorageError as exc:
            logger.warning(
                "rate-limit storage failed, write let through unlimited: %s: %s",
                type(exc.storage_error).__name__,
                str(exc.storage_error)[:200],
            )
            await self.app(scope, receive, send)
            return
        reset = max(1, math.ceil(reset_at - time.time()))
        headers = self._headers(max(0, remaining), reset)
        if not allowed:
            logger.info(
                "write rate limit reached by %s: %s %s", identity, scope["method"], scope["path"]
            )
            await self._refuse(scope, send, identity, headers, reset)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers(self, remaining: int, reset: int) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.item.amount).encode()),
            (b"ratelimit-remaining", str(remaining).encode()),
            (b"ratelimit-reset", str(reset).encode()),
            (b"ratelimit-policy", self.policy_header),
            (b"ratelimit", f'"{POLICY_NAME}";r={remaining};t={reset}'.encode()),
        ]

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        identity: str,
        headers: list[tuple[bytes, bytes]],
        reset: int,
    ) -> None:
        who = "API key" if identity.startswith("key:") else "client address"
        path = scope["path"]
        body = (
            Problem(
                type=PROBLEM_BASE + RATE_LIMITED_SLUG,
                title="Too Many Requests",
                status=429,
                detail=(
                    f"this {who} has made {self.item.amount} writes in the last "
                    f"{self.window} s, the most allowed; retry after {reset} s"
                ),
                instance=path if len(path) <= 200 else None,
            )
            .model_dump_json(exclude_none=True)
            .encode()
        )
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(reset).encode()),
                    *headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
