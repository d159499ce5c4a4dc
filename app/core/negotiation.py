"""Content negotiation for the entity endpoints: JSON, JSON-LD or Turtle.

``/v1/entities/{id}``, ``/v1/organisations/{id}``, ``/v1/people/{id}``, ``/v1/events/{id}``
and ``/v1/places/{id}`` answer ``Accept: application/ld+json`` and ``text/turtle`` (or
``?format=jsonld|turtle|json``, which wins over ``Accept``) as well as JSON.

Why a pure ASGI layer, and not a parameter on each route: the routes keep producing the
one typed JSON body (``?version=``, ``?as_of=``, 404s and all), and this layer, between
the ETag layer and the routers, rewrites a 200's JSON into the negotiated format. It
touches no router, costs a JSON answer nothing but a ``Vary`` header, and puts the format
in the ETag (``"id.v3"`` becomes ``"id.v3.ttl"``), so the ETag layer's 304s stay right.
The response cache keys on the *negotiated* format (``cache_format``), never on the raw
``Accept`` string: every browser's and client's spelling of "JSON" shares one entry, and
a JSON and a Turtle answer never mix. The renderers are given by the application
(``app.exports``), since ``core`` knows no entity body.

An ``Accept`` that allows none of the three gets 406; ``*/*``, ``application/*`` and a
browser's ``text/html,...,*/*;q=0.8`` get JSON (the server's preference when ranges tie).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import ProblemError, problem_response

Representation = Literal["json", "jsonld", "turtle"]
# In the server's order of preference (ties go to the first).
MEDIA_TYPES: dict[Representation, str] = {
    "json": "application/json",
    "jsonld": "application/ld+json",
    "turtle": "text/turtle",
}
CONTENT_TYPES: dict[Representation, str] = {
    "json": "application/json",
    "jsonld": "application/ld+json",
    "turtle": "text/turtle; charset=utf-8",
}
# What the ETag of a non-JSON representation gets appended.
ETAG_SUFFIXES: dict[Representation, str] = {"json": "", "jsonld": ".jsonld", "turtle": ".ttl"}
NEGOTIATED_PATHS = re.compile(r"^/v1/(?:entities|organisations|people|events|places)/[^/]+$")
FORMAT_PARAMETER = "format"

# Renders a 200's JSON body (bytes) in a representation other than JSON.
Renderer = Callable[[bytes, Representation], bytes]


class NotAcceptableError(Exception):
    """No representation the client accepts; ``status`` 406 (``Accept``) or 422 (an
    unknown ``?format=``)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def negotiable(path: str) -> bool:
    return NEGOTIATED_PATHS.match(path) is not None


# Accept values up to this long are remembered (clients repeat theirs); a longer one is
# parsed each time, so no client can fill the memory with its own.
CACHED_ACCEPT_LENGTH = 256


def from_accept(accept: str) -> Representation | None:
    """The best representation for an ``Accept`` value (RFC 9110 §12.5.1), None when it
    allows none. Each representation takes the quality of the most specific range that
    matches it; ties go to the server's preference (JSON, JSON-LD, Turtle). A header with
    no well-formed range is as if absent."""
    if len(accept) <= CACHED_ACCEPT_LENGTH:
        return _cached_choice(accept)
    return _choice(accept)


def _choice(accept: str) -> Representation | None:
    ranges: list[tuple[str, str, float]] = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append((kind, subtype, quality))
    if not ranges:
        return "json"
    best: tuple[float, Representation] | None = None
    for representation, media_type in MEDIA_TYPES.items():
        kind, _, subtype = media_type.partition("/")
        specificity, quality = -1, 0.0
        for r_kind, r_subtype, r_quality in ranges:
            if (r_kind, r_subtype) == (kind, subtype):
                level = 2
            elif r_kind == kind and r_subtype == "*":
                level = 1
            elif (r_kind, r_subtype) == ("*", "*"):
                level = 0
            else:
                continue
            if level > specificity:
                specificity, quality = level, r_quality
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, representation)
    return None if best is None else best[1]


_cached_choice = lru_cache(maxsize=512)(_choice)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def negotiate(scope: Scope) -> Representation:
    """The representation a request for a negotiable path gets; raises ``NotAcceptableError``."""
    raw: bytes = scope.get("query_string", b"")
    if b"format" in raw:
        values = [v for k, v in parse_qsl(raw.decode("latin-1")) if k == FORMAT_PARAMETER]
        if values:
            value = values[-1]
            if value in MEDIA_TYPES:
                return value
            allowed = ", ".join(MEDIA_TYPES)
            raise NotAcceptableError(422, f"must be one of {allowed}, not {value!r}")
    accept = _header(scope, b"accept")
    if not accept or not accept.strip():
        return "json"
    chosen = from_accept(accept)
    if chosen is None:
        offered = ", ".join(MEDIA_TYPES.values())
        raise NotAcceptableError(
            406, f"this resource is available as {offered}; Accept: {accept[:200]}"
        )
    return chosen


def cache_format(scope: Scope) -> str | None:
    """What the response cache adds to its key: the negotiated representation (or the
    refusal), for negotiable paths only."""
    if not negotiable(scope["path"]):
        return None
    try:
        return negotiate(scope)
    except NotAcceptableError as exc:
        return str(exc.status)


def _add_vary(headers: MutableHeaders) -> None:
    vary = headers.get("vary")
    if vary is None:
        headers["vary"] = "Accept"
    elif "accept" not in [v.strip().lower() for v in vary.split(",")]:
        headers["vary"] = f"{vary}, Accept"


class NegotiationMiddleware:
    def __init__(self, app: ASGIApp, renderer: Renderer) -> None:
        self.app = app
        self.renderer = renderer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not negotiable(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        try:
            representation = negotiate(scope)
        except NotAcceptableError as exc:
            await self._refuse(scope, receive, send, exc)
            return
        if representation == "json":

            async def vary(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": list(message["headers"])}
                    _add_vary(MutableHeaders(scope=message))
                await send(message)

            await self.app(scope, receive, vary)
            return
        await self._rewrite(scope, receive, send, representation)

    async def _rewrite(
        self, scope: Scope, receive: Receive, send: Send, representation: Representation
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:  # problems stay problem+json
                    message = {**message, "headers": list(message["headers"])}
                    _add_vary(MutableHeaders(scope=message))
                    await send(message)
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            # In a worker thread: the largest entity takes milliseconds to render, and the
            # event loop serves every other request meanwhile.
            body = await anyio.to_thread.run_sync(self.renderer, b"".join(chunks), representation)
            headers = MutableHeaders(raw=list(start["headers"]))
            headers["content-type"] = CONTENT_TYPES[representation]
            headers["content-length"] = str(len(body))
            etag = headers.get("etag")
            if etag and etag.endswith('"'):
                headers["etag"] = etag[:-1] + ETAG_SUFFIXES[representation] + '"'
            _add_vary(headers)
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, exc: NotAcceptableError) -> None:
        request = Request(scope)
        headers = {"Vary": "Accept"}
        if exc.status == 406:
            response = problem_response(
                request, 406, "not-acceptable", "Not Acceptable", exc.detail, headers=headers
            )
        else:
            errors = [ProblemError(loc=["query", FORMAT_PARAMETER], msg=exc.detail)]
            response = problem_response(
                request,
                422,
                "invalid-parameter",
                "Invalid Parameter",
                f"{FORMAT_PARAMETER}: {exc.detail}",
                errors=errors,
                headers=headers,
            )
        await response(scope, receive, send)


def openapi_representations(
    schema: dict[str, object], descriptions: Mapping[Representation, str]
) -> None:
    """Document the other representations on the negotiable routes' 200 answers: their
    content types, the ``format`` parameter, ``Vary`` and the 406 problem."""
    paths = schema.get("paths")
    if not isinstance(paths, dict):
        return
    for path, operations in paths.items():
        if not negotiable(re.sub(r"\{[^}]+\}", "x", path)):
            continue
        operation = operations.get("get")
        if not isinstance(operation, dict):
            continue
        ok = operation["responses"]["200"]
        content = ok.setdefault("content", {})
        for representation, description in descriptions.items():
            if representation == "json":
                continue
            kind = "string" if representation == "turtle" else "object"
            content[MEDIA_TYPES[representation]] = {
                "schema": {"type": kind, "description": description}
            }
        ok.setdefault("headers", {})["Vary"] = {
            "description": "`Accept`: the representation depends on it.",
            "schema": {"type": "string"},
        }
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == FORMAT_PARAMETER for p in parameters):
            parameters.append(
                {
                    "name": FORMAT_PARAMETER,
                    "in": "query",
                    "required": False,
                    "description": "The representation, instead of the `Accept` header: "
                    "`json`, `jsonld` (JSON-LD, schema.org and the `kb:` vocabulary of "
                    "`GET /v1/context.jsonld`) or `turtle`.",
                    "schema": {"type": "string", "enum": list(MEDIA_TYPES)},
                }
            )
        operation["responses"]["406"] = {
            "description": "The `Accept` header allows none of application/json, "
            "application/ld+json, text/turtle",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
