from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from app.core.dependencies import NO_NUL, SessionDep
from app.core.errors import InvalidParameterError, NotFoundError, error_responses
from app.core.pagination import Page, PageDep
from app.core.responses import page_body
from app.core.vocabulary import PROPERTY_IDS
from app.statements import service
from app.statements.schemas import PropertyRead, StatementWithSubject

statements_router = APIRouter()
properties_router = APIRouter()


@statements_router.get(
    "",
    response_model=Page[StatementWithSubject],
    responses=error_responses(404, 422),
    summary="List statements by subject, property and value",
)
def list_statements(
    request: Request,
    session: SessionDep,
    page: PageDep,
    subject: Annotated[
        str | None,
        Query(max_length=200, pattern=NO_NUL, description="Entity id the statements are about."),
    ] = None,
    property_id: Annotated[
        str | None,
        Query(
            alias="property",
            max_length=64,
            description="A property id from `GET /v1/properties`.",
            examples=["ideology"],
            json_schema_extra={"enum": list(PROPERTY_IDS)},
        ),
    ] = None,
    value: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=500,
            description="An entity id (`trotskyism`) or name, a text (case ignored) "
            "or a partial date.",
            examples=["trotskyism"],
        ),
    ] = None,
) -> dict[str, Any]:
    """Typed facts across the knowledge base: `?property=ideology&value=trotskyism` lists
    who is (or was) Trotskyist; `?subject=socialist-movement-of-kazakhstan&property=demand`
    what the organisation demands. Each statement carries its sources."""
    if property_id is not None and property_id not in PROPERTY_IDS:
        raise InvalidParameterError(
            "property", f"unknown property {property_id!r}; see /v1/properties"
        )
    items, total = service.list_statements(
        session, page=page, subject=subject, property_id=property_id, value=value
    )
    return page_body(request, page, items, total)


@properties_router.get(
    "",
    response_model=Page[PropertyRead],
    summary="The statement vocabulary",
)
def list_properties() -> dict[str, Any]:
    """Every property a statement may have: its label, what it means, the types its
    value may take and the types of entity it applies to."""
    items = service.all_properties()
    return {"items": items, "total": len(items), "limit": len(items), "next": None}


@properties_router.get(
    "/{property_id}",
    response_model=PropertyRead,
    responses=error_responses(404, 422),
    summary="One property of the statement vocabulary",
)
def get_property(
    property_id: Annotated[str, Path(max_length=64, examples=["ideology"])],
) -> dict[str, Any]:
    prop = service.find_property(property_id)
    if prop is None:
        raise NotFoundError(f"no property {property_id!r}; see /v1/properties")
    return service.property_body(prop)
