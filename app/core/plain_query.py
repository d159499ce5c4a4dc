"""The parameters of a request in its plain form, for the fast paths in front of
FastAPI (``app.search.fast_path``, ``app.entities.list_path``).

A fast path answers a request only when its query string holds the parameters it
knows, each at most once (``lists`` excepted), with values the route would accept:
they are checked by pydantic against the route's own constraints, as FastAPI checks
them. Anything else (another parameter, a repeated one, an invalid value) is left to
the route, whose answer, or 422, stands.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from app.core.pagination import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_LIMIT, PageParams, decode_cursor
from app.core.query_string import query_items

Parameters = TypeVar("Parameters", bound="PageQuery")


class PageQuery(BaseModel):
    """``limit`` and ``cursor`` with the constraints of ``app.core.pagination.page_params``."""

    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    cursor: Annotated[str, StringConstraints(max_length=19, pattern=CURSOR_PATTERN)] | None = None

    def page(self) -> PageParams:
        return PageParams(self.limit, decode_cursor(self.cursor) if self.cursor else 0)


def plain_parameters(
    query_string: bytes, model: type[Parameters], lists: frozenset[str] = frozenset()
) -> Parameters | None:
    """The parameters as ``model``, or None when the route must answer."""
    values: dict[str, object] = {}
    repeated: dict[str, list[str]] = {}
    for key, value in query_items(query_string):
        if key in lists:
            repeated.setdefault(key, []).append(value)
        elif key in model.model_fields and key not in values:
            values[key] = value
        else:
            return None
    try:
        return model.model_validate(values | repeated)
    except ValidationError:
        return None
