from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import tagged_body_or_404
from app.provenance.schemas import OrganisationRead


def organisation_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    organisation_id: Annotated[
        str, Path(max_length=200, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> OrganisationRead:
    return tagged_body_or_404(session, response, organisation_id, OrganisationRead, as_of)


OrganisationDep = Annotated[OrganisationRead, Depends(organisation_body)]
