from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import tagged_body_or_404
from app.provenance.schemas import EventRead


def event_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    event_id: Annotated[str, Path(max_length=200, pattern=NO_NUL)],
) -> EventRead:
    return tagged_body_or_404(session, response, event_id, EventRead, as_of)


EventDep = Annotated[EventRead, Depends(event_body)]
