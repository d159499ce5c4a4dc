from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import AsOfDep, SessionDep
from app.provenance.listing import body_or_404, entity_etag
from app.provenance.schemas import PlaceRead


def place_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    place_id: Annotated[str, Path(max_length=200)],
) -> PlaceRead:
    body = body_or_404(session, place_id, PlaceRead, as_of)
    response.headers["ETag"] = entity_etag(
        body.id, body.version, f"as-of-{as_of}" if as_of else None
    )
    return body


PlaceDep = Annotated[PlaceRead, Depends(place_body)]
