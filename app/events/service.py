from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.core.date_sql import sql_lasts_until, sql_starts_by
from app.core.dates import period_end, period_start
from app.core.errors import InvalidParameterError, UnknownReferenceError
from app.core.pagination import PageParams
from app.models import Entity, Event, EventPlace, Participation
from app.provenance.listing import entity_page

EVENT = Event.__table__.c
SORT_COLUMNS: dict[str, Any] = {"name": Entity.name, "start_date": EVENT.start_date}


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
    # The entity table by its type when only the name or id matters: the (type, name)
    # index serves the count and both sorts. The event table when a period or the date
    # sort needs its columns, joined to the entities only to sort a page by name, never
    # to count (a join made every count look up 20,000 entities at 100k).
    dated = date_from is not None or date_to is not None
    if dated or sort.removeprefix("-") == "start_date":
        statement = select(EVENT.id)
    else:
        statement = select(Entity.id).where(Entity.type == "event")
    event_id = statement.selected_columns[0]
    if dated:
        statement = statement.where(EVENT.start_date.is_not(None))
        if date_from is not None:
            day = period_start(date_from)
            statement = statement.where(
                or_(
                    and_(EVENT.end_date.is_(None), sql_lasts_until(EVENT.start_date, day)),
                    and_(EVENT.end_date.is_not(None), sql_lasts_until(EVENT.end_date, day)),
                )
            )
        if date_to is not None:
            statement = statement.where(sql_starts_by(EVENT.start_date, period_end(date_to)))
    if participant is not None:
        _require(session, participant, "participant", None)
        statement = statement.where(
            event_id.in_(
                select(Participation.event_id).where(Participation.entity_id == participant)
            )
        )
    if place is not None:
        _require(session, place, "place", "place")
        statement = statement.where(
            event_id.in_(select(EventPlace.event_id).where(EventPlace.place_id == place))
        )
    if event_id is EVENT.id and sort.removeprefix("-") == "name":
        sorted_by_name = statement.join(Entity, Entity.id == EVENT.id)
        return entity_page(
            session, sorted_by_name, SORT_COLUMNS, sort, page, as_of, counted=statement
        )
    return entity_page(session, statement, SORT_COLUMNS, sort, page, as_of)
