from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.core.errors import InvalidParameterError, error_responses
from app.entities import service
from app.entities.schemas import EntityBatch, EntityRead, Graph
from app.history import service as history
from app.provenance.as_of import apply_as_of
from app.provenance.listing import (
    bodies_as_served,
    entity_etag,
    entity_response,
    json_response,
    with_items,
)
from app.provenance.schemas import READ_MODELS
from app.provenance.stored import render

router = APIRouter()
# Wikidata's wbgetentities takes 50 too. The characters are bounded so that even a
# query of 4-byte characters, percent-encoded, stays under KB_MAX_URL_BYTES (16 KiB).
MAX_BATCH = 50
MAX_IDS_CHARS = 1300
IDS_PATTERN = r"^[a-z0-9-]+(,[a-z0-9-]+)*$"


@router.get(
    "",
    response_model=EntityBatch,
    responses=error_responses(422),
    summary="Get several entities at once",
)
def get_entities(
    session: SessionDep,
    as_of: AsOfDep,
    ids: Annotated[
        str,
        Query(
            max_length=MAX_IDS_CHARS,
            pattern=IDS_PATTERN,
            description=f"Comma-separated entity ids, at most {MAX_BATCH} "
            f"({MAX_IDS_CHARS} characters in all): "
            "`?ids=ainur-kurmanov,almaty`.",
            examples=["ainur-kurmanov,socialist-movement-of-kazakhstan"],
        ),
    ],
) -> Response:
    """Full bodies of up to 50 entities of any types in one request and a fixed number
    of queries, in the order asked (a repeated id is answered once); the ids no entity
    has are listed in `missing`."""
    wanted = list(dict.fromkeys(ids.split(",")))
    if len(wanted) > MAX_BATCH:
        raise InvalidParameterError("ids", f"at most {MAX_BATCH} ids, got {len(wanted)}")
    bodies = bodies_as_served(session, wanted, as_of)
    missing = [i for i in wanted if i not in bodies]
    return json_response(with_items({"items": [], "missing": missing}, list(bodies.values())))


@router.get(
    "/{entity_id}",
    response_model=EntityRead,
    responses=error_responses(404, 422),
    summary="Get any entity by id",
)
def get_entity(
    session: SessionDep,
    as_of: AsOfDep,
    entity_id: Annotated[str, Path(max_length=200, pattern=NO_NUL, examples=["ainur-kurmanov"])],
    version: Annotated[
        int | None,
        Query(
            ge=1,
            le=2**31 - 1,
            description="The entity as it was at this version (see its `/history`).",
        ),
    ] = None,
) -> Response:
    """Any organisation, person, event, place or concept: the same body as its typed
    endpoint. `?version=N` answers from the change log with the body as it was then."""
    if version is None:
        return entity_response(session, entity_id, None, as_of)
    snapshot = history.entity_at_version(session, entity_id, version)
    body = READ_MODELS[snapshot["type"]].model_validate(snapshot)
    body = apply_as_of(body, as_of) if as_of else body
    etag = entity_etag(body.id, body.version, f"as-of-{as_of}" if as_of else None, "snapshot")
    return json_response(render(body), etag)


@router.get(
    "/{entity_id}/graph",
    response_model=Graph,
    responses=error_responses(404, 422),
    summary="The neighbourhood of an entity",
)
def get_graph(
    session: SessionDep,
    entity_id: Annotated[
        str, Path(max_length=200, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])
    ],
    depth: Annotated[int, Query(ge=1, le=3, description="How many links away, 1–3.")] = 1,
) -> dict[str, Any]:
    """Every entity within `depth` links (memberships, relations, event participations and
    places) as `nodes`, and those links with their sources as `edges`. A neighbourhood of
    more than 500 entities is refused with a 422 naming its size."""
    return service.neighbourhood(session, entity_id, depth)
