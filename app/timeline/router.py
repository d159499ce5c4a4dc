from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.core.dependencies import NO_NUL, DateRangeDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.core.responses import page_response
from app.timeline import service
from app.timeline.schemas import TimelineItem

router = APIRouter()


@router.get(
    "",
    response_model=Page[TimelineItem],
    responses=error_responses(404, 422),
    summary="Dated facts in chronological order",
)
def timeline(
    request: Request,
    session: SessionDep,
    page: PageDep,
    period: DateRangeDep,
    entity: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="Only facts involving this entity (an id).",
            examples=["socialist-movement-of-kazakhstan"],
        ),
    ] = None,
) -> Response:
    """Every dated fact, events, foundings, renamings, births and deaths, membership and
    relation starts and ends, oldest first, each with its date as stored (partial dates
    keep their precision), a one-line summary, the entities involved and its sources."""
    if period.empty:
        return page_response(request, page, [], 0)
    items, total = service.timeline_page(
        session=session, page=page, entity=entity, date_from=period.start, date_to=period.end
    )
    # The items are built in the shape of the response model, and sent as they are.
    return page_response(request, page, items, total)
