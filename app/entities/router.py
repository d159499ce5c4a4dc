from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.core.dependencies import SessionDep
from app.core.errors import error_responses
from app.entities.schemas import EntityRead
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
    entity_id: Annotated[str, Path(max_length=200, examples=["ainur-kurmanov"])],
) -> dict[str, Any]:
    """Any organisation, person, event or place: the same body as its typed endpoint."""
    return body_or_404(session, entity_id, None)
