from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import entity_response
from app.provenance.schemas import EventRead


def event_body(
    session: SessionDep,
    as_of: AsOfDep,
    event_id: Annotated[str, Path(max_length=200, pattern=NO_NUL)],
) -> Response:
    """The event's body as served (stored bytes unless ``as_of``), with its ETag."""
    return entity_response(session, event_id, EventRead, as_of)


EventDep = Annotated[Response, Depends(event_body)]
