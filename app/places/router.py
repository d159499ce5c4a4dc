from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.core.dependencies import AsOfDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.places import service
from app.places.dependencies import PlaceDep
from app.places.schemas import PlaceRead
from app.provenance.listing import page_response

router = APIRouter()

PlaceSort = Literal["id", "-id", "name", "-name"]


@router.get(
    "", response_model=Page[PlaceRead], responses=error_responses(422), summary="List places"
)
def list_places(
    request: Request,
    session: SessionDep,
    page: PageDep,
    as_of: AsOfDep,
    sort: Annotated[PlaceSort, Query(description="Order; `-` for descending.")] = "id",
) -> Response:
    """Cities, regions and countries, with the events that took place there."""
    items, total = service.list_places(session=session, sort=sort, page=page, as_of=as_of)
    return page_response(request, page, items, total)


@router.get(
    "/{place_id}",
    response_model=PlaceRead,
    responses=error_responses(404, 422),
    summary="Get a place",
)
async def get_place(place: PlaceDep) -> Response:
    """A place with its aliases, what it is part of, its events and sources."""
    return place
