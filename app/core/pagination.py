"""List envelope and opaque cursors (``?limit=`` 1–200, ``?cursor=`` from ``next``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.core.errors import InvalidParameterError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """Also sent as an RFC 8288 ``Link`` header: ``<next URL>; rel="next"``."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    items: list[T]
    total: int = Field(description="How many items match, over all pages.")
    limit: int
    next: str | None = Field(description="Relative URL of the next page, or null on the last.")
    cursor: str | None = Field(
        default=None,
        description="The `cursor` of the next page on its own (the one in `next`), or null.",
        examples=["o50"],
    )


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int
    # The response being built: list routes add a Link header to it.
    response: Response | None = None


# A cursor is ``o`` and the offset of the next page. The pattern below is exact, so the
# OpenAPI schema accepts precisely the cursors the API issues, and the offset stays
# within a 64-bit integer on every database.
CURSOR_PATTERN = r"^o(0|[1-9][0-9]{0,17})$"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(offset: int) -> str:
    return f"o{offset}"


def decode_cursor(cursor: str) -> int:
    if not _CURSOR.match(cursor):
        raise InvalidParameterError("cursor", "is not a cursor this API issued")
    return int(cursor[1:])


async def page_params(
    response: Response,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page, 1–200.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=19,
            pattern=CURSOR_PATTERN,
            description="Opaque cursor taken from a previous page's `next`.",
            examples=["o50"],
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit, decode_cursor(cursor) if cursor else 0, response)


PageDep = Annotated[PageParams, Depends(page_params)]


def next_url(request: Request, params: PageParams, total: int) -> str | None:
    following = params.offset + params.limit
    if following >= total:
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    query.append(("cursor", encode_cursor(following)))
    return f"{request.url.path}?{urlencode(query)}"
