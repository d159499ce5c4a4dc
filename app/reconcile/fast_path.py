"""Reconciliation batches answered in front of FastAPI: ``GET /v1/reconcile?queries=``
and ``POST /v1/reconcile`` (form-encoded, as OpenRefine sends it, or JSON).

A batch of ten names searches in a few hundred microseconds on a small knowledge base,
and the request around it cost several times that: a session (its checkout, BEGIN and
rollback), the dataset revision and the candidates' names read through the ORM,
routing. This layer answers a batch whose queries have no properties. It reads the
revision with the fast reader (``app.core.fast_read``) and goes on only when the
search tables in memory are that revision's. In the CPU lane it parses the batch and
answers it with the route's own ``answer_batch``; the candidates' names and
descriptions are read by a statement compiled once, and the revision is read again
after them: if it moved meanwhile (a write), the route answers. A short batch over
small tables read from a SQLite file is answered so on the event loop instead, as
search answers there (``app.search.fast_path``).
An invalid batch, or one past its time budget, gets the route's problem. Anything else
goes to the route: the manifest, data extension, properties (matched against facts
the route reads), another query parameter, tables to bring up to date, a database
error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from fastapi import Response
from sqlalchemy import BindParameter, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.cpu_lane import in_cpu_lane
from app.core.errors import AppError, app_error_response
from app.core.fast_read import CompiledStatement, FastReader, read_fast, read_through_session
from app.core.query_string import query_items
from app.models import Entity
from app.reconcile import service
from app.reconcile.budget import Deadline
from app.reconcile.properties import Facts
from app.reconcile.router import MAX_GET_QUERIES_LENGTH
from app.reconcile.schemas import ReconQuery
from app.search.fast_path import INLINE_NAMES
from app.search.vocabulary import StampLookup, Vocabulary, current_vocabulary, read_stamp

PATH = "/v1/reconcile"
# Ids per read of names and descriptions: the statement has this many placeholders.
IDS_PER_READ = 50
# A batch of at most INLINE_QUERIES queries (and INLINE_BATCH_CHARS characters, which
# bound its parsing) over search tables of at most INLINE_NAMES names is answered on the
# event loop, as search answers on such tables (app.search.fast_path); at most ten of
# search's slowest queries there (1.6 ms each), against /health's 50 ms.
INLINE_QUERIES = 10
INLINE_BATCH_CHARS = 4_000

Stamp = tuple[int, Any]


class EntityLookup:
    """The names and descriptions of entities by id, then the dataset revision, read by
    statements compiled once for a dialect, on a driver connection."""

    def __init__(self, dialect: Dialect) -> None:
        self._names = [f"id{n}" for n in range(IDS_PER_READ)]
        ids: list[BindParameter[str]] = [bindparam(name) for name in self._names]
        statement = service.entity_info_statement().where(Entity.id.in_(ids))
        self._statement = CompiledStatement(statement, dialect)
        self._stamps = StampLookup(dialect)

    def run(
        self, dbapi_connection: Any, ids: Collection[str], stamp: Stamp
    ) -> dict[str, service.EntityInfo] | None:
        """The entities of ``ids`` that exist, or None if the dataset revision is no
        longer ``stamp``: what was read may then belong to another revision than the
        search tables."""
        wanted = sorted(ids)
        found: dict[str, service.EntityInfo] = {}
        for start in range(0, len(wanted), IDS_PER_READ):
            chunk = wanted[start : start + IDS_PER_READ]
            # The placeholders left over repeat the first id: the same rows.
            values = dict(
                zip(self._names, chunk + chunk[:1] * (IDS_PER_READ - len(chunk)), strict=True)
            )
            for entity_id, name, description in self._statement.rows(dbapi_connection, values):
                found[entity_id] = service.EntityInfo(name, description)
        return found if self._stamps.run(dbapi_connection) == stamp else None


class _RouteMustAnswerError(Exception):
    """The batch is the route's to answer (the revision moved; the database failed)."""


def _no_facts(_ids: Collection[str], _properties: Collection[str]) -> Facts:
    raise _RouteMustAnswerError  # never called: batches with properties go to the route


def queries_of_get(query_string: bytes) -> str | None:
    """The ``queries`` of a GET whose query string holds only that, once, within the
    route's length; else None (the route answers, or refuses a longer batch)."""
    items = query_items(query_string)
    if len(items) != 1 or items[0][0] != "queries":
        return None
    value = items[0][1]
    return value if len(value) <= MAX_GET_QUERIES_LENGTH else None


async def _body(receive: Receive) -> bytes | None:
    """The request's body, or None if the client left before sending it all."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the route after this layer has read the body: the body again."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class ReconcileMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._stamps: StampLookup | None = None  # made for the app's dialect, on first use
        self._entities: EntityLookup | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET":
            raw = queries_of_get(scope["query_string"])
            if raw is None:
                await self.app(scope, receive, send)
                return
            await self._answer(scope, raw, lambda: self.app(scope, receive, send), send)
        elif scope["method"] == "POST":
            body = await _body(receive)
            if body is None:
                return  # the client has gone: nobody to answer
            replayed = _replaying(body, receive)
            await self._answer_post(scope, body, lambda: self.app(scope, replayed, send), send)
        else:
            await self.app(scope, receive, send)

    async def _answer_post(
        self, scope: Scope, body: bytes, route: Callable[[], Awaitable[None]], send: Send
    ) -> None:
        # As the route reads a POST: JSON is the batch itself; anything else is a form.
        content_type = Request(scope).headers.get("content-type", "")
        if "json" in content_type:
            await self._answer(scope, body.decode("utf-8", errors="replace"), route, send)
            return
        fields = service.form_fields(body)
        if "extend" in fields:
            await route()
            return
        try:
            raw = service.queries_field(fields)
        except AppError as exc:
            await app_error_response(Request(scope), exc)(scope, _nothing, send)
            return
        await self._answer(scope, raw, route, send)

    async def _answer(
        self, scope: Scope, raw: str, route: Callable[[], Awaitable[None]], send: Send
    ) -> None:
        if "properties" in raw:
            # Most likely a batch with properties, the route's: left to it before any
            # read (one spelled with escapes is found so after parsing).
            await route()
            return
        request = Request(scope)
        settings: Settings = request.app.state.settings
        deadline = Deadline.start(settings.reconcile_time_budget)  # counted from arrival
        found = await self._vocabulary(scope)
        if found is None:
            await route()
            return
        vocab, stamp = found

        def answer(
            batch: dict[str, ReconQuery] | None, read_entities: service.ReadEntities
        ) -> Response | None:
            try:
                if batch is None:
                    batch = self._parse(raw, settings)
                if service.has_properties(batch):
                    return None
                answers = service.answer_batch(batch, vocab, read_entities, _no_facts, deadline)
            except AppError as exc:  # an invalid batch, the budget spent: the route's 4xx/503
                return app_error_response(request, exc)
            except (_RouteMustAnswerError, SQLAlchemyError):
                return None
            return Response(service.encode_answers(answers), media_type="application/json")

        batch: dict[str, ReconQuery] | None = None  # None: ``answer`` parses it
        response: Response | None
        on_loop = self._reader_on_loop(scope, stamp, vocab, raw)
        if on_loop is not None:
            # An invalid batch fails again in ``answer``, which makes the route's problem.
            with contextlib.suppress(AppError):
                batch = self._parse(raw, settings)
            if batch is not None and len(batch) > INLINE_QUERIES:
                on_loop = None  # a long batch: in the lane, as parsed here
        if on_loop is not None:
            response = self._on_loop(lambda: answer(batch, on_loop))
        else:
            in_lane = self._entity_reader(scope, stamp)
            response = await in_cpu_lane(request, lambda: answer(batch, in_lane))
        if response is None:
            await route()
            return
        await response(scope, _nothing, send)

    @staticmethod
    def _on_loop(work: Callable[[], Response | None]) -> Response | None:
        """``work()`` here, on the event loop: ``in_cpu_lane``'s counterpart for a short
        batch over small search tables."""
        return work()

    @staticmethod
    def _parse(raw: str, settings: Settings) -> dict[str, ReconQuery]:
        return service.parse_batch(raw, settings.max_json_depth, settings.max_json_number_digits)

    def _reader_on_loop(
        self, scope: Scope, stamp: Stamp, vocab: Vocabulary, raw: str
    ) -> service.ReadEntities | None:
        """How a short batch over small search tables reads its candidates on the event
        loop (a SQLite file: the held connection of ``app.core.fast_read``), or None if
        the batch is answered in the CPU lane. On the seed, the hop to the lane and back,
        and a pooled connection's checkout there, cost more than the batch's searches."""
        state = scope["app"].state
        reader: FastReader = state.fast_reader
        factory: sessionmaker[Session] = state.session_factory
        if (
            len(vocab.names) > INLINE_NAMES
            or len(raw) > INLINE_BATCH_CHARS
            or not reader.on_loop
            or factory.kw.get("bind") is not reader.engine
        ):
            return None
        lookup = self._lookup(reader)

        def read(ids: Collection[str]) -> dict[str, service.EntityInfo]:
            found = reader.run(lambda connection: lookup.run(connection, ids, stamp)) if ids else {}
            if found is None:
                raise _RouteMustAnswerError
            return found

        return read

    def _lookup(self, reader: FastReader) -> EntityLookup:
        if self._entities is None:
            self._entities = EntityLookup(reader.engine.dialect)
        return self._entities

    async def _vocabulary(self, scope: Scope) -> tuple[Vocabulary, Stamp] | None:
        """The search tables in memory and their revision, if they are the database's
        current ones (else the route reads them, as it would)."""
        reader: FastReader = scope["app"].state.fast_reader
        if self._stamps is None:
            self._stamps = StampLookup(reader.engine.dialect)
        stamps = self._stamps
        stamp = await read_fast(scope, lambda: reader.run(stamps.run), read_stamp)
        vocab = None if stamp is None else current_vocabulary(reader.engine, stamp)
        return None if vocab is None or stamp is None else (vocab, stamp)

    def _entity_reader(self, scope: Scope, stamp: Stamp) -> service.ReadEntities:
        """How the lane reads the candidates' names and descriptions: the compiled
        lookup on a pooled connection, or, when the app's sessions are bound elsewhere
        than its engine (a test's outer transaction), through a session."""
        state = scope["app"].state
        reader: FastReader = state.fast_reader
        factory: sessionmaker[Session] = state.session_factory
        own_engine = factory.kw.get("bind") is reader.engine
        lookup = self._lookup(reader) if own_engine else None

        def read(ids: Collection[str]) -> dict[str, service.EntityInfo]:
            if not ids:
                return {}
            if lookup is None:
                found = read_through_session(
                    factory, lambda session: service.entity_info(session, ids)
                )
            else:
                found = reader.run_pooled(lambda connection: lookup.run(connection, ids, stamp))
            if found is None:
                raise _RouteMustAnswerError
            return found

        return read


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
