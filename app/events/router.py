from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.core.dependencies import NO_NUL, AsOfDep, DateRangeDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.events import service
from app.events.dependencies import EventDep
from app.events.schemas import EventRead
from app.provenance.listing import bodies_as_served, page_response

router = APIRouter()

EventSort = Literal["id", "-id", "name", "-name", "start_date", "-start_date"]


@router.get(
    "", response_model=Page[EventRead], responses=error_responses(404, 422), summary="List events"
)
def list_events(
    request: Request,
    session: SessionDep,
    page: PageDep,
    as_of: AsOfDep,
    period: DateRangeDep,
    participant: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="Only events this entity took part in (an entity id).",
        ),
    ] = None,
    place: Annotated[
        str | None,
        Query(
            max_length=200, pattern=NO_NUL, description="Only events at this place (a place id)."
        ),
    ] = None,
    sort: Annotated[EventSort, Query(description="Order; `-` for descending.")] = "id",
) -> Response:
    """Events, filtered by period (an event matches when its dates overlap [from, to];
    undated events are left out when a period is given), participant and place."""
    if period.empty:
        return page_response(request, page, [], 0)
    ids, total = service.event_ids(
        session=session,
        sort=sort,
        page=page,
        date_from=period.start,
        date_to=period.end,
        participant=participant,
        place=place,
    )
    items = list(bodies_as_served(session, ids, as_of).values())
    return page_response(request, page, items, total)


@router.get(
    "/{event_id}",
    response_model=EventRead,
    responses=error_responses(404, 422),
    summary="Get an event",
)
async def get_event(event: EventDep) -> Response:
    """An event with its dates, places, participants, counted figures and sources."""
    return event
