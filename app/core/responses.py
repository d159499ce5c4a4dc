"""Building list envelopes from a page of items."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.core.pagination import PageParams, next_url


def page_body(request: Request, params: PageParams, items: list[Any], total: int) -> dict[str, Any]:
    return {
        "items": items,
        "total": total,
        "limit": params.limit,
        "next": next_url(request, params, total),
    }
