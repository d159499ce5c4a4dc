"""Serve repeat reads from memory: a pure ASGI layer in front of the application.

The knowledge base changes rarely, so a GET's answer is a function of its path, its
query and the dataset revision. The first answer is stored as bytes with its
headers (ETag included); later requests for the same path and query are sent
straight from memory, with no routing, dependency injection, validation or
serialisation. ``If-None-Match`` is answered with 304 from the cache too. On the entity
endpoints the key holds the representation the request negotiated (JSON, JSON-LD or
Turtle: see ``app.core.negotiation``), not the raw ``Accept`` string.

The revision is the ``dataset_revision`` row that every write to the knowledge base
increments (``kb seed`` does today). Each process re-reads it every
``check_interval`` seconds in the background, so several server processes all see a
write within that interval; an entry stored under an older revision is never served.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

import anyio
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.http_cache import etag_matches
from app.core.http_methods import declared_query_parameters
from app.core.negotiation import cache_format

logger = logging.getLogger(__name__)

# Never cached: the docs pages and their assets change only with the code; /health and
# /ready answer about now (a cached "ready" would hide an outage).
UNCACHED_PREFIXES = (
    "/docs",
    "/redoc",
    "/static-offline-docs",
    "/health",
    "/ready",
    "/v1/changes/stream",
    # Bulk exports: streamed past every buffering layer (app/core/streaming.py).
    "/v1/export",
)


# What an entry costs beyond its bytes (the objects that hold them), so that the bound
# on bytes holds for many small entries too.
ENTRY_OVERHEAD = 400


@dataclass(frozen=True)
class CachedResponse:
    revision: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str | None

    def size(self, key: str) -> int:
        """Every byte the entry keeps alive: key, headers and body."""
        header_bytes = sum(len(name) + len(value) for name, value in self.headers)
        return len(key) + header_bytes + len(self.body) + ENTRY_OVERHEAD


class RevisionClock:
    """The current dataset revision, as last read from the database.

    A background task (``run``) re-reads it every ``check_interval`` seconds in a
    worker thread, so the request path only reads an attribute: a database round trip
    on the event loop, even once a second, stalled every request queued behind it
    (p99 9–10 ms against 5–6 ms without). With an interval of 0 every call reads the
    database, for tests and strict consistency.
    """

    def __init__(self, read: Callable[[], int], check_interval: float) -> None:
        self._read = read
        self._interval = check_interval
        self._revision: int | None = None
        # How many times a write of this process advanced the clock: a reading that
        # began before a write committed must not take the clock back behind it.
        self._advances = 0
        # advance() runs in a write's worker thread, _settle on the event loop.
        self._lock = threading.Lock()

    def current(self) -> int:
        if self._interval == 0 or self._revision is None:
            self._revision = self._read()
        return self._revision

    def advance(self, revision: int) -> None:
        """A write of this process committed ``revision``: from now on no entry of an
        older revision is served here (other processes see it at their next check)."""
        with self._lock:
            if self._revision is None or revision > self._revision:
                self._revision = revision
            self._advances += 1

    def _settle(self, read: int, advances_before: int) -> None:
        """Take a background reading. A write of this process that committed while it
        was being read makes it stale: keep the higher revision then. Otherwise the
        database's word stands, even when lower (a restored backup)."""
        with self._lock:
            if self._advances != advances_before and self._revision is not None:
                self._revision = max(self._revision, read)
            else:
                self._revision = read

    async def run(self) -> None:
        while True:
            try:
                advances = self._advances
                self._settle(await anyio.to_thread.run_sync(self._read), advances)
            except SQLAlchemyError:
                logger.warning("could not read the dataset revision; keeping %s", self._revision)
            await anyio.sleep(self._interval)


class LRUCache:
    """Bounded by entry count and by total bytes (keys, headers and bodies); least
    recently used goes first."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[CachedResponse, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: str, revision: int) -> CachedResponse | None:
        found = self._items.get(key)
        if found is None or found[0].revision != revision:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return found[0]

    def put(self, key: str, entry: CachedResponse) -> None:
        size = entry.size(key)
        if size > self.max_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._items[key] = (entry, size)
        self._bytes += size
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, evicted) = self._items.popitem(last=False)
            self._bytes -= evicted


def cache_key(scope: Scope) -> str:
    """Path plus the query with its parameters in a canonical order.

    Parameters are ordered by name without decoding their values (this runs on every
    request); repeated parameters keep their relative order, since it can matter to
    the answer. Two spellings of one query (``%41`` for ``A``) may get two entries,
    never one entry for two queries. Parameters the route does not declare are left
    out of the key: the application ignores them, so they cannot change the answer,
    and junk parameters cannot make every request a miss (or fill the cache).
    """
    # The body depends on whether the client takes gzip (see create_app), and on an
    # entity endpoint on the negotiated representation (?format= is in it).
    encoding = "|gzip" if _accepts_gzip(scope) else ""
    representation = cache_format(scope)
    if representation is not None:
        encoding = f"{encoding}|{representation}"
    raw: bytes = scope.get("query_string", b"")
    if not raw:
        return f"{scope['path']}{encoding}"
    parts = raw.split(b"&")
    declared = declared_query_parameters(scope.get("app"), scope["path"])
    if declared is not None:
        parts = [p for p in parts if _name(p) in declared]
    if len(parts) > 1:
        parts.sort(key=lambda part: part.split(b"=", 1)[0])
    query = b"&".join(parts).decode("latin-1")
    return f"{scope['path']}?{query}{encoding}" if query else f"{scope['path']}{encoding}"


def _name(part: bytes) -> str:
    """A parameter's name as the application will read it (percent- and plus-decoded)."""
    return unquote_plus(part.split(b"=", 1)[0].decode("latin-1"))


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


class ResponseCacheMiddleware:
    def __init__(self, app: ASGIApp, cache: LRUCache, clock: RevisionClock) -> None:
        self.app = app
        self.cache = cache
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(UNCACHED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        key = cache_key(scope)
        try:
            revision = self.clock.current()
        except SQLAlchemyError:
            # The revision is unknown (the database is down): no entry can be trusted or
            # stored; the application answers (503) without the cache.
            await self.app(scope, receive, send)
            return
        entry = self.cache.get(key, revision)
        if entry is not None:
            await self._send_cached(scope, send, entry)
            return

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                # A copy, taken before the layers outside (CORS) add their headers.
                start = {**message, "headers": list(message["headers"])}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                finished = not message.get("more_body", False)
                # A HEAD answer has no body: only a GET's may be stored and reused.
                if finished and scope["method"] == "GET" and start and start["status"] == 200:
                    headers = list(start["headers"])
                    etag = Headers(raw=headers).get("etag")
                    body = b"".join(chunks)
                    self.cache.put(key, CachedResponse(revision, headers, body, etag))
            await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _send_cached(scope: Scope, send: Send, entry: CachedResponse) -> None:
        if_none_match = Headers(scope=scope).get("if-none-match")
        if if_none_match and entry.etag and etag_matches(if_none_match, entry.etag):
            headers = [
                (k, v) for k, v in entry.headers if k not in (b"content-length", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        # A copy: the layers outside (CORS) add headers to the list they are sent.
        await send({"type": "http.response.start", "status": 200, "headers": list(entry.headers)})
        body = b"" if scope["method"] == "HEAD" else entry.body
        await send({"type": "http.response.body", "body": body})
