"""Building list envelopes from a page of items."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from app.core.pagination import PageParams, encode_cursor, next_url


def page_body(request: Request, params: PageParams, items: list[Any], total: int) -> dict[str, Any]:
    """The list envelope; the next page is also an RFC 8288 Link header."""
    body = _envelope(request, params, items, total)
    if body["next"] is not None and params.response is not None:
        params.response.headers["Link"] = _link(body["next"])
    return body


def page_response(
    request: Request, params: PageParams, items: list[dict[str, Any]], total: int
) -> Response:
    """The list envelope as JSON, for items already in the shape of the route's response
    model: encoded as they are, not validated against the model first (a page of 50
    search hits took 254 µs through the model, 14 µs here). The tests check the bytes
    against the model (tests/search/test_search.py) and the OpenAPI schema (the fuzzer)."""
    body = _envelope(request, params, items, total)
    response = Response(orjson.dumps(body), media_type="application/json")
    if body["next"] is not None:
        response.headers["Link"] = _link(body["next"])
    return response


def _envelope(request: Request, params: PageParams, items: list[Any], total: int) -> dict[str, Any]:
    following = next_url(request, params, total)
    return {
        "items": items,
        "total": total,
        "limit": params.limit,
        "next": following,
        "cursor": None if following is None else encode_cursor(params.offset + params.limit),
    }


def _link(following: str) -> str:
    return f'<{following}>; rel="next"'
