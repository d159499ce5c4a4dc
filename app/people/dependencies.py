from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import AsOfDep, SessionDep
from app.provenance.listing import body_or_404
from app.provenance.service import Body


def person_body(
    session: SessionDep,
    as_of: AsOfDep,
    person_id: Annotated[str, Path(max_length=200)],
) -> Body:
    return body_or_404(session, person_id, "person", as_of)


PersonDep = Annotated[Body, Depends(person_body)]
