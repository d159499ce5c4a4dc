from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.date_sql import sql_period_end, sql_period_start
from app.core.dates import period_end, period_start
from app.core.errors import InvalidParameterError, UnknownReferenceError
from app.core.pagination import PageParams
from app.models import Entity, Event, EventPlace, Participation
from app.provenance.listing import entity_page

EVENT = Event.__table__.c
SORT_COLUMNS: dict[str, Any] = {
    "id": Entity.id,
    "name": Entity.name,
    "start_date": Event.__table__.c.start_date,
}


def _require(session: Session, entity_id: str, parameter: str, entity_type: str | None) -> None:
    found = session.scalar(select(Entity.type).where(Entity.id == entity_id))
    if found is None:
        raise UnknownReferenceError(parameter, entity_id)
    if entity_type is not None and found != entity_type:
        raise InvalidParameterError(parameter, f"{entity_id!r} is a {found}, not a {entity_type}")


def list_events(
    *,
    session: Session,
    sort: str,
    page: PageParams,
    date_from: str | None = None,
    date_to: str | None = None,
    participant: str | None = None,
    place: str | None = None,
    as_of: str | None = None,
) -> tuple[list[bytes], int]:
    """Events overlapping [from, to] (partial dates taken as whole periods), optionally
    with a given participant or at a given place."""
    # The type column, not a join, unless a period or the sort needs the event's own
    # columns: the (type, name) index then serves the count and the id and name sorts.
    statement = select(Entity.id).where(Entity.type == "event")
    dated = date_from is not None or date_to is not None
    if dated or sort.removeprefix("-") == "start_date":
        statement = statement.join(Event.__table__, EVENT.id == Entity.id)
    if dated:
        starts = sql_period_start(EVENT.start_date)
        ends = sql_period_end(func.coalesce(EVENT.end_date, EVENT.start_date))
        statement = statement.where(EVENT.start_date.is_not(None))
        if date_from is not None:
            statement = statement.where(ends >= period_start(date_from))
        if date_to is not None:
            statement = statement.where(starts <= period_end(date_to))
    if participant is not None:
        _require(session, participant, "participant", None)
        statement = statement.where(
            Entity.id.in_(
                select(Participation.event_id).where(Participation.entity_id == participant)
            )
        )
    if place is not None:
        _require(session, place, "place", "place")
        statement = statement.where(
            Entity.id.in_(select(EventPlace.event_id).where(EventPlace.place_id == place))
        )
    return entity_page(session, statement, SORT_COLUMNS, sort, page, as_of)
