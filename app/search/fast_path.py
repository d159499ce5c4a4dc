"""``GET /v1/search`` answered in front of FastAPI, for the plain form of the request.

On a small knowledge base a search takes tens to hundreds of microseconds, and the
request around it cost several times that: a session to read the dataset revision
(400-500 µs on SQLite), routing and dependency solving, and the hop to a worker
thread and back. This layer answers a search whose query string holds only ``q``,
``type``, ``limit`` and ``cursor``, valid as the route validates them
(``app.core.plain_query``). It reads the revision with the fast reader
(``app.core.fast_read``), and answers only when the search tables in memory are that
revision's; it runs the route's own page builder (``app.search.router.search_page``)
and sends the route's response. Anything else goes to the route: another parameter
(``as_of``), a value the route rejects (its 422 says why), tables to bring up to date,
a database error (its 503)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Response
from pydantic import Field, StringConstraints
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.cpu_lane import in_cpu_lane
from app.core.db import close_session
from app.core.dependencies import SEARCH_TEXT
from app.core.fast_read import FastReader, read_fast
from app.core.plain_query import PageQuery, plain_parameters
from app.core.vocabulary import EntityType
from app.provenance.service import load_names
from app.search.router import search_page
from app.search.vocabulary import StampLookup, Vocabulary, current_vocabulary, read_stamp

PATH = "/v1/search"
_LISTS = frozenset({"type"})
# Search tables of at most this many names are searched on the event loop: the hop to a
# worker thread and back cost more than such a search (measured on the seed's 141
# names: 1,300 r/s through the CPU lane, 2,300 on the loop, for an exact match), and
# no search of them takes long (the slowest of 250 random and repeated-word queries of
# up to 200 characters: 1.6 ms). Larger tables are searched in the CPU lane, where a
# slow search cannot hold up the event loop.
INLINE_NAMES = 500


class _Parameters(PageQuery):
    """The route's parameters with the route's constraints (``app.search.router``)."""

    q: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=SEARCH_TEXT)]
    type: list[EntityType] = Field(default_factory=list)


def parameters(query_string: bytes) -> _Parameters | None:
    """The plain form's parameters, or None when the route must answer."""
    return plain_parameters(query_string, _Parameters, lists=_LISTS)


class _NeedsDatabaseError(Exception):
    """A hit's entity has a name search does not hold: it is read from the database,
    which is never waited for on the event loop."""


def _no_database(ids: list[str]) -> dict[str, str]:
    raise _NeedsDatabaseError


def _reader_of_names(factory: sessionmaker[Session]) -> Callable[[list[str]], dict[str, str]]:
    def read_names(ids: list[str]) -> dict[str, str]:
        session = factory()
        try:
            return load_names(session, ids, None)
        finally:
            close_session(session)

    return read_names


class SearchMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._stamps: StampLookup | None = None  # made for the app's dialect, on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        found = parameters(scope["query_string"])
        vocab = None if found is None else await self._vocabulary(scope)
        if found is None or vocab is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        page = found.page()
        factory: sessionmaker[Session] = scope["app"].state.session_factory

        def answer(read_names: Callable[[list[str]], dict[str, str]]) -> Response | None:
            try:
                return search_page(request, page, vocab, found.q, found.type, read_names)
            except SQLAlchemyError:
                return None  # the route meets it too, and answers it (a 503)

        response = None
        if len(vocab.names) <= INLINE_NAMES:
            with contextlib.suppress(_NeedsDatabaseError):
                response = answer(_no_database)
        if response is None:
            response = await in_cpu_lane(request, lambda: answer(_reader_of_names(factory)))
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _vocabulary(self, scope: Scope) -> Vocabulary | None:
        """The search tables in memory if they are the database's current ones (else the
        route reads them, as it would)."""
        reader: FastReader = scope["app"].state.fast_reader
        if self._stamps is None:
            self._stamps = StampLookup(reader.engine.dialect)
        stamps = self._stamps
        stamp = await read_fast(scope, lambda: reader.run(stamps.run), read_stamp)
        return None if stamp is None else current_vocabulary(reader.engine, stamp)
