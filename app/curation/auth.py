"""The write routes' guard: ``Authorization: Bearer <key>``, 401 without a valid key,
403 without the scope the route needs. Reads never ask."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.dependencies import SessionDep
from app.core.errors import ForbiddenError, UnauthorizedError
from app.curation.keys import Actor, verify_key

# auto_error=False: a missing header is our 401 problem, not FastAPI's 403.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `kb keys create --name NAME --scope write|admin`.",
)


def _actor(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None:
        raise UnauthorizedError("this operation needs an API key: send Authorization: Bearer <key>")
    actor = verify_key(session, credentials.credentials)
    if actor is None:
        raise UnauthorizedError("the API key is unknown or revoked")
    request.state.actor = actor.name  # for the access log; never the key
    return actor


def require(scope: str) -> object:
    def check(actor: Annotated[Actor, Depends(_actor)]) -> Actor:
        if not actor.allows(scope):
            raise ForbiddenError(
                f"the key {actor.name!r} has scope {actor.scope!r}; this operation needs {scope!r}"
            )
        return actor

    return Depends(check)


WriterDep = Annotated[Actor, require("write")]
AdminDep = Annotated[Actor, require("admin")]
