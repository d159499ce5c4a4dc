from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import tagged_body_or_404
from app.provenance.schemas import PlaceRead


def place_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    place_id: Annotated[str, Path(max_length=200, pattern=NO_NUL)],
) -> PlaceRead:
    return tagged_body_or_404(session, response, place_id, PlaceRead, as_of)


PlaceDep = Annotated[PlaceRead, Depends(place_body)]
