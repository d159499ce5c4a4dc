"""``GET /v1/timeline`` answered in front of FastAPI, for its plain form: ``entity``,
``limit`` and ``cursor``.

Over HTTP most of a timeline was FastAPI's own work around it: py-spy on SQLite at
100,000 entities put the timeline's reads at 15 % of the server's busy time, and the
route's machinery (routing, dependency solving, the worker-thread hop, the exit
stack) at 25 %. This layer checks the parameters as the route does
(``app.core.plain_query``), reads the page with the route's own ``timeline_page`` in a
session of the app's, in one of the fast reader's threads, and sends the route's
response (``page_response``). Anything else goes to the route: a period (``from``,
``to``), another parameter, a value the route rejects (its 422), an entity that does
not exist (its 404), a database error (its 503).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.dependencies import NO_NUL
from app.core.errors import UnknownReferenceError
from app.core.fast_read import FastReader, read_through_session
from app.core.plain_query import PageQuery, plain_parameters
from app.core.responses import page_response
from app.timeline.service import timeline_page

PATH = "/v1/timeline"


class _Parameters(PageQuery):
    """The route's parameters but the period, with the route's constraints
    (``app.timeline.router``)."""

    entity: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)] | None = None


class TimelineMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = (
            plain_parameters(scope["query_string"], _Parameters)
            if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET"
            else None
        )
        if found is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        factory: sessionmaker[Session] = state.session_factory
        reader: FastReader = state.fast_reader
        entity, page = found.entity, found.page()

        def read(session: Session) -> tuple[list[dict[str, Any]], int] | None:
            try:
                return timeline_page(
                    session=session, page=page, entity=entity, date_from=None, date_to=None
                )
            except UnknownReferenceError:
                return None  # the route meets it too, and answers its 404

        # A database error is None too: the route answers its 503.
        answer = await reader.off_loop(lambda: read_through_session(factory, read))
        if answer is not None:  # the route's response, its Link header included
            response = page_response(Request(scope), page, *answer)
            await response(scope, receive, send)
        else:
            await self.app(scope, receive, send)
