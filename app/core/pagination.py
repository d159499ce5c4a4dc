"""List envelope and opaque cursors (``?limit=`` 1–200, ``?cursor=`` from ``next``)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from app.core.errors import InvalidParameterError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="How many items match, over all pages.")
    limit: int
    next: str | None = Field(description="Relative URL of the next page, or null on the last.")


class PageParams(BaseModel):
    limit: int
    offset: int


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = data["o"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise InvalidParameterError("cursor", "is not a cursor this API issued") from None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidParameterError("cursor", "is not a cursor this API issued")
    return offset


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page, 1–200.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="Opaque cursor taken from a previous page's `next`.",
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, offset=decode_cursor(cursor) if cursor else 0)


PageDep = Annotated[PageParams, Depends(page_params)]


def next_url(request: Request, params: PageParams, total: int) -> str | None:
    following = params.offset + params.limit
    if following >= total:
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    query.append(("cursor", encode_cursor(following)))
    return f"{request.url.path}?{urlencode(query)}"
