from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import AsOfDep, SessionDep
from app.provenance.listing import body_or_404
from app.provenance.service import Body


def event_body(
    session: SessionDep, as_of: AsOfDep, event_id: Annotated[str, Path(max_length=200)]
) -> Body:
    return body_or_404(session, event_id, "event", as_of)


EventDep = Annotated[Body, Depends(event_body)]
