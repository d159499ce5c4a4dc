from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.core.dependencies import AsOfDep, SessionDep
from app.provenance.listing import body_or_404, entity_etag
from app.provenance.schemas import OrganisationRead


def organisation_body(
    session: SessionDep,
    response: Response,
    as_of: AsOfDep,
    organisation_id: Annotated[
        str, Path(max_length=200, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> OrganisationRead:
    body = body_or_404(session, organisation_id, OrganisationRead, as_of)
    response.headers["ETag"] = entity_etag(
        body.id, body.version, f"as-of-{as_of}" if as_of else None
    )
    return body


OrganisationDep = Annotated[OrganisationRead, Depends(organisation_body)]
