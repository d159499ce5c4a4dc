"""Building list envelopes from a page of items."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.core.pagination import PageParams, encode_cursor, next_url


def page_body(request: Request, params: PageParams, items: list[Any], total: int) -> dict[str, Any]:
    """The list envelope; the next page is also an RFC 8288 Link header."""
    following = next_url(request, params, total)
    if following is not None and params.response is not None:
        params.response.headers["Link"] = f'<{following}>; rel="next"'
    return {
        "items": items,
        "total": total,
        "limit": params.limit,
        "next": following,
        "cursor": None if following is None else encode_cursor(params.offset + params.limit),
    }
