from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import tagged_body_or_404
from app.provenance.schemas import PersonRead


def person_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    person_id: Annotated[str, Path(max_length=200, pattern=NO_NUL)],
) -> PersonRead:
    return tagged_body_or_404(session, response, person_id, PersonRead, as_of)


PersonDep = Annotated[PersonRead, Depends(person_body)]
