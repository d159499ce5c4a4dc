from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import NO_NUL, AsOfDep, SessionDep
from app.provenance.listing import entity_response
from app.provenance.schemas import OrganisationRead


def organisation_body(
    session: SessionDep,
    as_of: AsOfDep,
    organisation_id: Annotated[
        str, Path(max_length=200, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> Response:
    """The organisation's body as served (stored bytes unless ``as_of``), with its ETag."""
    return entity_response(session, organisation_id, OrganisationRead, as_of)


OrganisationDep = Annotated[Response, Depends(organisation_body)]
