"""The cold read path of an entity: ``GET /v1/{type}/{id}`` and ``/v1/entities/{id}``
answered from the stored body (``app.provenance.stored``) in front of FastAPI.

An entity detail is the request real traffic sends most (a crawler walks every entity,
a client fetches each match), and its answer is one primary-key lookup; routing,
dependency injection and parameter validation would cost more than the lookup. This
layer answers only the plain form, a path id made of the characters ids have and no
query string, with the very status, headers and bytes the route gives (tested), and
passes everything else on: another parameter (``as_of``, ``version``, ``format``),
an id not stored, a body of another type (the route's 404 names the real one), or a
database error (the route's 503). It sits inside the negotiation, ETag and gzip layers,
so those apply to its answers as to the route's.

The lookup is a compiled DBAPI statement run by the app's fast reader
(``app.core.fast_read``): on the event loop for a SQLite file.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.fast_read import FastReader, read_fast
from app.provenance.listing import entity_etag
from app.provenance.stored import BodyLookup, Stored, stored_body

_PATH = re.compile(r"/v1/(organisations|people|events|places|entities)/([a-z0-9][a-z0-9-]{0,119})")
# A collection's entity type (None: any type).
TYPE_OF_COLLECTION: dict[str, str | None] = {
    "organisations": "organisation",
    "people": "person",
    "events": "event",
    "places": "place",
    "entities": None,
}


class BodyReader(FastReader):
    """Stored bodies read for the fast path."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._lookup = BodyLookup(engine.dialect)

    def read(self, entity_id: str) -> Stored | None:
        """The stored body; None when there is none or the database failed."""
        return self.run(lambda driver: self._lookup.run(driver, entity_id))


async def _lookup(scope: Scope, entity_id: str) -> Stored | None:
    reader: BodyReader = scope["app"].state.fast_reader
    return await read_fast(
        scope, lambda: reader.read(entity_id), lambda session: stored_body(session, entity_id)
    )


class StoredBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            _PATH.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        collection, entity_id = match.groups()
        found = await _lookup(scope, entity_id)
        wanted = TYPE_OF_COLLECTION[collection]
        if found is None or (wanted is not None and found.type != wanted):
            await self.app(scope, receive, send)
            return
        # As the route's Response sends them: its own headers, then length and type.
        headers = [
            (b"etag", entity_etag(entity_id, found.version).encode()),
            (b"content-length", str(len(found.body)).encode()),
            (b"content-type", b"application/json"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": found.body})
