"""Annotated dependency aliases shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from app.core.dates import CALENDAR_DATE_PATTERN, period_end, period_start, validate_partial_date
from app.core.db import close_session, mark_read
from app.core.errors import InvalidParameterError
from app.core.text import SPACE_CLASS

# Text parameters may not hold NUL (no database can store it; see RejectNulMiddleware):
# said in the schema too, so that what the schema allows the API accepts.
NO_NUL = "^[^\\u0000]*$"
# Free text to search for: no NUL, and some character that is not a space.
SEARCH_TEXT = f"^[^\\u0000]*[^\\u0000{SPACE_CLASS}][^\\u0000]*$"
# Requests whose session only reads (app.core.db.mark_read).
READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request. Made on the event loop (no I/O until the first query,
    which the route runs in a worker thread); closed on the loop too when that is only
    handing a SQLite connection back to the pool, in a worker thread when it is a
    round trip to a database server that might not answer."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    if request.method in READ_METHODS:
        mark_read(session)
    try:
        yield session
    finally:
        # A connection lost meanwhile is not an error after the answer (close_session).
        if session.in_transaction() and session.get_bind().dialect.name != "sqlite":
            # A thread of its own, as FastAPI gives a dependency's exit: with the shared
            # pool of threads all waiting for a connection, the close that would hand one
            # back could not start.
            await anyio.to_thread.run_sync(close_session, session, limiter=anyio.CapacityLimiter(1))
        else:
            close_session(session)


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
        pattern=CALENDAR_DATE_PATTERN,
        description=f"{meaning} Partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD.",
        examples=["2011-12"],
    )


@dataclass(frozen=True)
class DateRange:
    start: str | None
    end: str | None

    @property
    def empty(self) -> bool:
        """``from`` after ``to``: a period with no day in it, so nothing falls in it."""
        return bool(self.start and self.end and period_start(self.start) > period_end(self.end))


async def date_range(
    date_from: Annotated[
        str | None, _date_query("from", "Only what ends on or after this date.")
    ] = None,
    date_to: Annotated[
        str | None, _date_query("to", "Only what starts on or before this date.")
    ] = None,
) -> DateRange:
    """(``async``: pure checks, no reason to take a worker thread.) A period given as ``from``/``to``, each a real partial date. ``from`` after ``to``
    is an empty period (no item is in it), not an error: JSON Schema cannot state a
    constraint between two parameters, and the API accepts whatever its schema allows."""
    return DateRange(checked_date("from", date_from), checked_date("to", date_to))


DateRangeDep = Annotated[DateRange, Depends(date_range)]


async def as_of_param(
    as_of: Annotated[
        str | None,
        Query(
            pattern=CALENDAR_DATE_PATTERN,
            description="Answer as of this partial ISO date: the name valid then, and only "
            "the memberships and relations that held then (undated ones are kept).",
            examples=["2008-01-01"],
        ),
    ] = None,
) -> str | None:
    return checked_date("as_of", as_of)


AsOfDep = Annotated[str | None, Depends(as_of_param)]
