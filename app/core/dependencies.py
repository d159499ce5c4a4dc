"""Annotated dependency aliases shared by every router."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from app.core.dates import PARTIAL_DATE_PATTERN, period_end, period_start, validate_partial_date
from app.core.errors import InvalidParameterError


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def checked_date(parameter: str, value: str | None) -> str | None:
    """``value`` if it is a real partial date, else a 422 naming the parameter."""
    if value is not None:
        try:
            validate_partial_date(value)
        except ValueError as exc:
            raise InvalidParameterError(parameter, str(exc)) from None
    return value


def _date_query(alias: str, meaning: str) -> Any:
    return Query(
        alias=alias,
        pattern=PARTIAL_DATE_PATTERN,
        description=f"{meaning} Partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD.",
        examples=["2011-12"],
    )


@dataclass(frozen=True)
class DateRange:
    start: str | None
    end: str | None


def date_range(
    date_from: Annotated[
        str | None, _date_query("from", "Only what ends on or after this date.")
    ] = None,
    date_to: Annotated[
        str | None, _date_query("to", "Only what starts on or before this date.")
    ] = None,
) -> DateRange:
    """A period given as ``from``/``to``: each a real partial date, ``from`` not after ``to``."""
    start, end = checked_date("from", date_from), checked_date("to", date_to)
    if start and end and period_start(start) > period_end(end):
        raise InvalidParameterError("from", f"{start} is after to={end}")
    return DateRange(start, end)


DateRangeDep = Annotated[DateRange, Depends(date_range)]


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
    return checked_date("as_of", as_of)


AsOfDep = Annotated[str | None, Depends(as_of_param)]
