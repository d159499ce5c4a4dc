from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse

from app.core.dependencies import NO_NUL, SessionDep
from app.core.errors import error_responses
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageDep
from app.core.responses import page_body
from app.history import service, stream
from app.history.schemas import ChangePage, VersionRead

history_router = APIRouter()
changes_router = APIRouter()


@history_router.get(
    "/{entity_id}/history",
    response_model=Page[VersionRead],
    responses=error_responses(404, 422),
    summary="The versions of an entity",
)
def get_history(
    request: Request,
    session: SessionDep,
    page: PageDep,
    entity_id: Annotated[
        str, Path(max_length=200, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> dict[str, Any]:
    """Every version of the entity, newest first, each with who wrote it and the JSON
    Patch from the version before. `GET /v1/entities/{id}?version=N` gives the entity as
    it was at version N. A deleted entity keeps its history."""
    items, total = service.entity_history(session, entity_id, page)
    return page_body(request, page, items, total)


@changes_router.get(
    "",
    response_model=ChangePage,
    responses=error_responses(422),
    summary="Every change, in commit order",
)
def list_changes(
    session: SessionDep,
    since: Annotated[
        int,
        Query(
            ge=0,
            le=2**62,
            description="Only changes after this `seq` (0 for all). Follow `next`, then poll "
            "with the `seq` of the last page.",
        ),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page, 1–200.")] = (
        DEFAULT_LIMIT
    ),
) -> dict[str, Any]:
    """The change log: one item per new version of an entity (seeding included), in the
    order the changes were committed. `seq` never repeats or goes back, so a client that
    holds the knowledge base as of `seq` N stays exact by following `?since=N`."""
    return service.changes_since(session, since, limit)


STREAM_EXAMPLE = (
    ": ping - 2026-01-01 12:00:15.000000+00:00\n\n"
    "id: 1213\n"
    "event: change\n"
    'data: {"seq":1213,"at":"2026-01-01T12:00:20Z","entity":"almaty",'
    '"entity_type":"place","op":"update","version":2,"actor":"seed"}\n\n'
)

STREAM_EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "event", "data"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The change's `seq`."},
        "event": {"type": "string", "enum": ["change"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/ChangeRead"},
        },
    },
}


# Declared before any /v1/changes/{...} route, which would otherwise take "stream".
@changes_router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "An endless `text/event-stream`: one `change` event per change, "
            f"and a comment line every {stream.HEARTBEAT_INTERVAL} s while there is none.",
            "content": {
                "text/event-stream": {
                    # The stream is text; each event's fields are described under a
                    # vendor extension (OpenAPI 3.2's itemSchema is not valid in 3.1).
                    "schema": {"type": "string"},
                    "x-item-schema": STREAM_EVENT_SCHEMA,
                    "example": STREAM_EXAMPLE,
                }
            },
        },
        **error_responses(422, 503),
    },
    summary="Every change, live (Server-Sent Events)",
)
async def stream_changes(
    request: Request,
    since: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**62,
            description="Send the changes after this `seq` first (0 for all). Default: "
            "the newest `seq`, so only changes made from now on.",
        ),
    ] = None,
    last_event_id: Annotated[
        int | None,
        Header(
            alias="Last-Event-ID",
            ge=0,
            le=2**62,
            description="The `id` of the last event received: a browser's `EventSource` "
            "sends it when it reconnects, and the stream resumes after it. Takes "
            "precedence over `since`.",
        ),
    ] = None,
) -> EventSourceResponse:
    """The change log as Server-Sent Events: each change is one event with `id:` its
    `seq`, `event: change` and `data:` the JSON item of `GET /v1/changes`. First every
    change after `since` (in commit order), then each new change within about half a
    second of its commit. A client that reconnects with `Last-Event-ID` (as `EventSource`
    does) misses nothing. The stream stays open until the client disconnects."""
    factory = request.app.state.session_factory
    start = last_event_id if last_event_id is not None else since
    if start is None:
        start = await run_in_threadpool(stream.last_seq, factory)
    return stream.change_stream(factory, start)
