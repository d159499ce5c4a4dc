"""Annotated dependency aliases shared by every router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from app.core.dates import PARTIAL_DATE_PATTERN, validate_partial_date
from app.core.errors import InvalidParameterError


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def as_of_param(
    as_of: Annotated[
        str | None,
        Query(
            pattern=PARTIAL_DATE_PATTERN,
            description="Answer as of this partial ISO date: the name valid then, and only "
            "the memberships and relations that held then (undated ones are kept).",
            examples=["2008-01-01"],
        ),
    ] = None,
) -> str | None:
    if as_of is not None:
        try:
            validate_partial_date(as_of)
        except ValueError as exc:
            raise InvalidParameterError("as_of", str(exc)) from None
    return as_of


AsOfDep = Annotated[str | None, Depends(as_of_param)]
