from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from app.citations import service
from app.citations.schemas import CitationDetail, CitationRead
from app.core.dependencies import SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.core.responses import page_body

router = APIRouter()

CitationSort = Literal["number", "-number", "id", "-id", "published_date", "-published_date"]


@router.get(
    "", response_model=Page[CitationRead], responses=error_responses(422), summary="List citations"
)
def list_citations(
    request: Request,
    session: SessionDep,
    page: PageDep,
    sort: Annotated[CitationSort, Query(description="Order; `-` for descending.")] = "number",
) -> dict[str, Any]:
    """The article's numbered references (`ref-1` ...) and the article itself (`article`)."""
    items, total = service.list_citations(session=session, sort=sort, page=page)
    return page_body(request, page, items, total)


@router.get(
    "/{citation_id}",
    response_model=CitationDetail,
    responses=error_responses(404, 422),
    summary="Get a citation and every fact that cites it",
)
def get_citation(
    session: SessionDep,
    citation_id: Annotated[str, Path(max_length=40, examples=["ref-3"])],
) -> dict[str, Any]:
    return service.get_citation(session=session, citation_id=citation_id)
