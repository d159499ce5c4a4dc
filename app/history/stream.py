"""The change log as a live feed: ``GET /v1/changes/stream`` (Server-Sent Events).

Each change is one event: ``id`` its ``seq``, ``event: change`` and ``data`` the
same JSON item ``GET /v1/changes`` lists. The stream first sends every change after
the starting ``seq`` in batches, then polls the change table for newer ones.

Polling, not a notification channel: a writer in another process (``kb seed``, the
write API on another worker) commits to the database and nothing else, and SQLite
has no LISTEN/NOTIFY. Every ``POLL_INTERVAL`` seconds the stream runs the keyset
query of ``/v1/changes`` (``seq > last``, on the primary key) in a worker thread,
with a session of its own that is closed straight after: no connection is held
between polls and the event loop never waits for the database. ``seq`` follows
commit order (app/provenance/changes.py), so ``seq > last`` never misses a change.

sse-starlette sends a comment line every ``HEARTBEAT_INTERVAL`` seconds (proxies
drop idle connections), ends the stream when the client disconnects, and ends it
cleanly when uvicorn is told to exit (a watcher reads uvicorn's exit flag every half
second): otherwise uvicorn, which waits for open responses on shutdown, would never
stop on SIGTERM. tests/hardening/test_changes_stream_process.py holds it to that.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import anyio
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.core.db import close_session
from app.core.errors import database_unavailable
from app.core.pagination import MAX_LIMIT
from app.history import service
from app.history.schemas import ChangeRead
from app.models import Change

logger = logging.getLogger(__name__)

# Seconds between two looks for new changes, per open stream.
POLL_INTERVAL = 0.5
# Seconds between two comment lines on an idle stream.
HEARTBEAT_INTERVAL = 15
# Changes read per query while catching up (the largest page of /v1/changes).
BATCH_SIZE = MAX_LIMIT
SEPARATOR = "\n"
EVENT = "change"
# sse-starlette adds X-Accel-Buffering: no (nginx would hold events back) and would
# send no-store; no-cache is the conventional value for an event stream.
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

SessionFactory = sessionmaker[Session]


def last_seq(factory: SessionFactory) -> int:
    """The newest ``seq`` in the change log (0 when it is empty)."""
    session = factory()
    try:
        return int(session.scalar(select(func.max(Change.seq))) or 0)
    finally:
        close_session(session)


def read_batch(factory: SessionFactory, since: int, limit: int) -> tuple[list[ChangeRead], bool]:
    """The changes after ``since``, oldest first, as ``/v1/changes`` answers them, and
    whether more follow."""
    session = factory()
    try:
        items, more = service.changes_after(session, since, limit)
        return [ChangeRead.model_validate(item) for item in items], more
    finally:
        close_session(session)


def change_event(item: ChangeRead) -> ServerSentEvent:
    return ServerSentEvent(item.model_dump_json(), id=str(item.seq), event=EVENT, sep=SEPARATOR)


async def change_events(
    factory: SessionFactory,
    since: int,
    *,
    poll_interval: float = POLL_INTERVAL,
    batch_size: int = BATCH_SIZE,
) -> AsyncIterator[ServerSentEvent]:
    """Every change after ``since``, for ever: the ones committed already, then each new
    one within ``poll_interval`` seconds of its commit. A database that cannot answer
    (down, too slow) is retried at the next poll; the stream stays open."""
    last = since
    unavailable = False
    while True:
        try:
            items, more = await anyio.to_thread.run_sync(read_batch, factory, last, batch_size)
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                raise
            if not unavailable:
                logger.warning("change stream: database unavailable, retrying: %s", exc)
            unavailable = True
            await anyio.sleep(poll_interval)
            continue
        unavailable = False
        for item in items:
            yield change_event(item)
            last = item.seq
        if not more:  # caught up: wait for new changes
            await anyio.sleep(poll_interval)


def change_stream(factory: SessionFactory, since: int) -> EventSourceResponse:
    return EventSourceResponse(
        change_events(factory, since),
        headers=STREAM_HEADERS,
        ping=HEARTBEAT_INTERVAL,
        sep=SEPARATOR,
    )
