from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.core.dependencies import AsOfDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.people import service
from app.people.dependencies import PersonDep
from app.people.schemas import PersonRead
from app.provenance.listing import page_response

router = APIRouter()

PersonSort = Literal["id", "-id", "name", "-name"]


@router.get(
    "", response_model=Page[PersonRead], responses=error_responses(422), summary="List people"
)
def list_people(
    request: Request,
    session: SessionDep,
    page: PageDep,
    as_of: AsOfDep,
    sort: Annotated[PersonSort, Query(description="Order; `-` for descending.")] = "id",
) -> Response:
    """People, with their memberships, relations, events and sources."""
    items, total = service.list_people(session=session, sort=sort, page=page, as_of=as_of)
    return page_response(request, page, items, total)


@router.get(
    "/{person_id}",
    response_model=PersonRead,
    responses=error_responses(404, 422),
    summary="Get a person",
)
async def get_person(person: PersonDep) -> Response:
    """A person with aliases, memberships, relations, events and sources."""
    return person
