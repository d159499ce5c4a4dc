from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import AsOfDep, SessionDep
from app.provenance.listing import body_or_404, entity_etag
from app.provenance.schemas import EventRead


def event_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    event_id: Annotated[str, Path(max_length=200)],
) -> EventRead:
    body = body_or_404(session, event_id, EventRead, as_of)
    response.headers["ETag"] = entity_etag(
        body.id, body.version, f"as-of-{as_of}" if as_of else None
    )
    return body


EventDep = Annotated[EventRead, Depends(event_body)]
