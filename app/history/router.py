from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from app.core.dependencies import NO_NUL, SessionDep
from app.core.errors import error_responses
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageDep
from app.core.responses import page_body
from app.history import service
from app.history.schemas import ChangePage, VersionRead

history_router = APIRouter()
changes_router = APIRouter()


@history_router.get(
    "/{entity_id}/history",
    response_model=Page[VersionRead],
    responses=error_responses(404, 422),
    summary="The versions of an entity",
)
def get_history(
    request: Request,
    session: SessionDep,
    page: PageDep,
    entity_id: Annotated[
        str, Path(max_length=200, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> dict[str, Any]:
    """Every version of the entity, newest first, each with who wrote it and the JSON
    Patch from the version before. `GET /v1/entities/{id}?version=N` gives the entity as
    it was at version N. A deleted entity keeps its history."""
    items, total = service.entity_history(session, entity_id, page)
    return page_body(request, page, items, total)


@changes_router.get(
    "",
    response_model=ChangePage,
    responses=error_responses(422),
    summary="Every change, in commit order",
)
def list_changes(
    session: SessionDep,
    since: Annotated[
        int,
        Query(
            ge=0,
            le=2**62,
            description="Only changes after this `seq` (0 for all). Follow `next`, then poll "
            "with the `seq` of the last page.",
        ),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page, 1–200.")] = (
        DEFAULT_LIMIT
    ),
) -> dict[str, Any]:
    """The change log: one item per new version of an entity (seeding included), in the
    order the changes were committed. `seq` never repeats or goes back, so a client that
    holds the knowledge base as of `seq` N stays exact by following `?since=N`."""
    return service.changes_since(session, since, limit)
