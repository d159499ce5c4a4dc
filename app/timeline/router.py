from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.core.dates import PARTIAL_DATE_PATTERN
from app.core.dependencies import SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.core.responses import page_body
from app.timeline import service
from app.timeline.schemas import TimelineItem

router = APIRouter()


def _date_query(alias: str, meaning: str) -> Any:
    return Query(
        alias=alias,
        pattern=PARTIAL_DATE_PATTERN,
        description=f"{meaning} Partial ISO date: YYYY, YYYY-MM or YYYY-MM-DD.",
        examples=["2011"],
    )


@router.get(
    "",
    response_model=Page[TimelineItem],
    responses=error_responses(422),
    summary="Dated facts in chronological order",
)
def timeline(
    request: Request,
    session: SessionDep,
    page: PageDep,
    entity: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only facts involving this entity (an id).",
            examples=["socialist-movement-of-kazakhstan"],
        ),
    ] = None,
    date_from: Annotated[
        str | None, _date_query("from", "Only facts on or after this date.")
    ] = None,
    date_to: Annotated[str | None, _date_query("to", "Only facts on or before this date.")] = None,
) -> dict[str, Any]:
    """Every dated fact, events, foundings, renamings, births and deaths, membership and
    relation starts and ends, oldest first, each with its date as stored (partial dates
    keep their precision), a one-line summary, the entities involved and its sources."""
    for parameter, value in (("from", date_from), ("to", date_to)):
        if value is not None:
            service.check_date(parameter, value)
    items, total = service.timeline_page(
        session=session, page=page, entity=entity, date_from=date_from, date_to=date_to
    )
    return page_body(request, page, items, total)
