from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import entity_response
from app.provenance.schemas import PersonRead


def person_body(
    session: SessionDep,
    as_of: AsOfDep,
    person_id: Annotated[str, Path(max_length=200, pattern=NO_NUL)],
) -> Response:
    """The person's body as served (stored bytes unless ``as_of``), with its ETag."""
    return entity_response(session, person_id, PersonRead, as_of)


PersonDep = Annotated[Response, Depends(person_body)]
