"""The list pages ``GET /v1/{organisations,people,events,places}`` answered in front of
FastAPI, for their plain form: ``limit``, ``cursor`` and a sort by id or name.

Such a page is stored bodies spliced together (``app.provenance.listing``), and its
statements cost less than what the route spent around them: a session and its
connection checkout, routing and dependency solving, the statements built and compiled
through the ORM, and a worker thread of anyio's (py-spy under wrk, seed dataset: the
session and its statements 33 % of the request, routing 14 %). Here the count and the
page are two statements compiled once per dialect, run on a pooled driver connection
in one of the fast reader's threads (``app.core.fast_read``): a count and a page far
down the list can take milliseconds, which the event loop never waits for.

The page statement joins each id to its current stored body; when any of the page's
entities has none (not stored, or stored at another version or format) the route
answers, assembling what is missing. So do another parameter (``as_of``, a date sort,
an event filter), a value the route rejects, and a database error.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import Response
from sqlalchemy import BigInteger, Select, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.fast_read import CompiledStatement, FastReader, read_off_loop
from app.core.pagination import PageParams
from app.core.plain_query import PageQuery, plain_parameters
from app.entities.stored_path import TYPE_OF_COLLECTION
from app.models import Entity
from app.provenance.listing import page_response, parse_sort
from app.provenance.stored import body_format, current_bodies

_PATH = re.compile(r"/v1/(organisations|people|events|places)")
_TYPE_OF = {c: t for c, t in TYPE_OF_COLLECTION.items() if t is not None}
Sort = Literal["id", "-id", "name", "-name"]


class _Parameters(PageQuery):
    sort: Sort = "id"


def _count() -> Select[Any]:
    # As the route counts (app.provenance.listing.sorted_page_of_ids).
    of_type = select(Entity.id).where(Entity.type == bindparam("type"))
    return select(func.count()).select_from(of_type.subquery())


def _page(sort: Sort) -> Select[Any]:
    """The page's ids, in the route's order (``page_of_ids``: the sort column, then the
    id), each with its current stored body's version and bytes."""
    key, descending = parse_sort(sort)
    columns = [Entity.id] if key == "id" else [Entity.name, Entity.id]
    ids = (
        select(*columns)
        .where(Entity.type == bindparam("type"))
        .order_by(*(c.desc() if descending else c.asc() for c in columns))
        .limit(bindparam("limit", type_=BigInteger))
        .offset(bindparam("offset", type_=BigInteger))
        .subquery("page")
    )
    keys = [ids.c[c.key] for c in columns]
    return current_bodies(ids, ids.c.id).order_by(
        *(k.desc() if descending else k.asc() for k in keys)
    )


class PageLookup:
    """The count and one page of a type's entities, with their stored bodies."""

    def __init__(self, dialect: Dialect) -> None:
        self._count = CompiledStatement(_count(), dialect)
        self._pages = {sort: CompiledStatement(_page(sort), dialect) for sort in Sort.__args__}  # type: ignore[attr-defined]

    def run(
        self, dbapi_connection: Any, entity_type: str, sort: Sort, page: PageParams
    ) -> tuple[int, list[bytes]] | None:
        """The total and the page's bodies; None when a body of the page is not stored."""
        values = {"type": entity_type, "limit": page.limit, "offset": page.offset}
        total = int(self._count.rows(dbapi_connection, values)[0][0])
        rows = self._pages[sort].rows(dbapi_connection, values | {"format": body_format()})
        return _complete(total, page, [bytes(row[2]) for row in rows])

    def run_in(
        self, session: Session, entity_type: str, sort: Sort, page: PageParams
    ) -> tuple[int, list[bytes]] | None:
        """``run`` through a session (when the app's sessions read through a test's
        transaction, which the driver connection would not see)."""
        values = {"type": entity_type, "limit": page.limit, "offset": page.offset}
        total = int(session.execute(self._count.statement, values).scalar_one())
        rows = session.execute(self._pages[sort].statement, values | {"format": body_format()})
        return _complete(total, page, [bytes(row[2]) for row in rows])


def _complete(total: int, page: PageParams, bodies: list[bytes]) -> tuple[int, list[bytes]] | None:
    expected = max(0, min(page.limit, total - page.offset))
    return (total, bodies) if len(bodies) == expected else None


class ListMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._lookup: PageLookup | None = None  # compiled for the app's dialect on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            _PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET"
            else None
        )
        found = None if match is None else plain_parameters(scope["query_string"], _Parameters)
        if match is None or found is None:
            await self.app(scope, receive, send)
            return
        if self._lookup is None:
            reader: FastReader = scope["app"].state.fast_reader
            self._lookup = PageLookup(reader.engine.dialect)
        lookup, entity_type, sort, page = self._lookup, _TYPE_OF[match[1]], found.sort, found.page()
        answer = await read_off_loop(
            scope,
            lambda driver: lookup.run(driver, entity_type, sort, page),
            lambda session: lookup.run_in(session, entity_type, sort, page),
        )
        if answer is None:
            await self.app(scope, receive, send)
            return
        total, bodies = answer
        # The route's response: page_body puts the Link header on the page's response.
        params = PageParams(page.limit, page.offset, Response())
        await page_response(Request(scope), params, bodies, total)(scope, receive, send)
