from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.core.dependencies import AsOfDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.organisations import service
from app.organisations.dependencies import OrganisationDep
from app.organisations.schemas import OrganisationRead
from app.provenance.listing import page_response

router = APIRouter()

OrganisationSort = Literal["id", "-id", "name", "-name", "founding_date", "-founding_date"]


@router.get(
    "",
    response_model=Page[OrganisationRead],
    responses=error_responses(422),
    summary="List organisations",
)
def list_organisations(
    request: Request,
    session: SessionDep,
    page: PageDep,
    as_of: AsOfDep,
    sort: Annotated[OrganisationSort, Query(description="Order; `-` for descending.")] = "id",
) -> Response:
    """Parties, unions, campaigns, internationals, governments, newspapers ..., full bodies."""
    items, total = service.list_organisations(session=session, sort=sort, page=page, as_of=as_of)
    return page_response(request, page, items, total)


@router.get(
    "/{organisation_id}",
    response_model=OrganisationRead,
    responses=error_responses(404, 422),
    summary="Get an organisation",
)
async def get_organisation(organisation: OrganisationDep) -> Response:
    """An organisation with its aliases, memberships, relations, events and sources."""
    return organisation
