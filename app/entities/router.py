from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.core.dependencies import AsOfDep, SessionDep
from app.core.errors import error_responses
from app.entities import service
from app.entities.schemas import EntityRead, Graph
from app.provenance.listing import body_or_404

router = APIRouter()


@router.get(
    "/{entity_id}",
    response_model=EntityRead,
    responses=error_responses(404, 422),
    summary="Get any entity by id",
)
def get_entity(
    session: SessionDep,
    as_of: AsOfDep,
    entity_id: Annotated[str, Path(max_length=200, examples=["ainur-kurmanov"])],
) -> dict[str, Any]:
    """Any organisation, person, event or place: the same body as its typed endpoint."""
    return body_or_404(session, entity_id, None, as_of)


@router.get(
    "/{entity_id}/graph",
    response_model=Graph,
    responses=error_responses(404, 422),
    summary="The neighbourhood of an entity",
)
def get_graph(
    session: SessionDep,
    entity_id: Annotated[str, Path(max_length=200, examples=["socialist-movement-of-kazakhstan"])],
    depth: Annotated[int, Query(ge=1, le=3, description="How many links away, 1–3.")] = 1,
) -> dict[str, Any]:
    """Every entity within `depth` links (memberships, relations, event participations and
    places) as `nodes`, and those links with their sources as `edges`. A neighbourhood of
    more than 500 entities is refused with a 422 naming its size."""
    return service.neighbourhood(session, entity_id, depth)
