from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import AsOfDep, SessionDep
from app.provenance.listing import body_or_404
from app.provenance.service import Body


def organisation_body(
    session: SessionDep,
    as_of: AsOfDep,
    organisation_id: Annotated[
        str, Path(max_length=200, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> Body:
    return body_or_404(session, organisation_id, "organisation", as_of)


OrganisationDep = Annotated[Body, Depends(organisation_body)]
