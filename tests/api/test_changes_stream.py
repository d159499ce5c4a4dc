"""GET /v1/changes/stream in process: the event format, where the stream starts, the
full middleware stack, the 422s and the documentation.

An in-process HTTP client waits for the end of a response, which an event stream never
reaches, so the application is driven as ASGI here (``drive``): the test plays the
server, reads events as they are sent and disconnects once it has what it wants. The
real server and another process writing are in
tests/hardening/test_changes_stream_process.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers
from starlette.types import Message

from app.core.config import Settings
from app.core.db import create_db_engine
from app.history import stream
from app.main import create_app
from app.models import Entity
from app.provenance.changes import record_changes
from app.provenance.schemas import READ_MODELS
from tests.conftest import DATA_DIR

TIMEOUT = 10.0


def parse_events(text: str) -> list[dict[str, str]]:
    """The events of an event-stream text (comment lines left out)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        if fields:
            events.append(fields)
    return events


@dataclass
class Streamed:
    status: int = 0
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    complete: bool = False  # the application ended the response itself

    @property
    def events(self) -> list[dict[str, str]]:
        return parse_events(self.body.decode())


def drive(
    app: FastAPI,
    query: str = "",
    headers: dict[str, str] | None = None,
    *,
    events: int = 0,
    method: str = "GET",
    during: Callable[[], None] | None = None,
) -> Streamed:
    """Request the stream as a server would and read until ``events`` events have come
    (or the response ends), then disconnect. ``during`` runs in a worker thread once the
    response has started."""
    result = Streamed()
    started = anyio.Event()
    enough = anyio.Event()
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/v1/changes/stream",
        "raw_path": b"/v1/changes/stream",
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *raw],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await enough.wait()  # like a server: the client goes, or the response is done
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            result.status = message["status"]
            result.headers = Headers(raw=message["headers"])
            started.set()
        elif message["type"] == "http.response.body":
            result.body += message.get("body", b"")
            result.complete = not message.get("more_body", False)
            if result.complete or len(result.events) >= events:
                enough.set()

    async def run_during() -> None:
        assert during is not None
        await started.wait()
        await anyio.to_thread.run_sync(during)

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            if during is not None:
                tasks.start_soon(run_during)
            with anyio.fail_after(TIMEOUT):
                await app(scope, receive, send)

    anyio.run(main)
    return result


def newest_seq(client: TestClient) -> int:
    seq: int = client.get("/v1/changes", params={"limit": 1}).json()["seq"]
    return seq


def test_each_change_is_one_event_with_the_change_log_item(
    app: FastAPI, client: TestClient
) -> None:
    last = newest_seq(client)
    listed = client.get("/v1/changes", params={"since": last - 3}).json()["items"]
    streamed = drive(app, f"since={last - 3}", events=3)
    assert streamed.status == 200
    assert [e["id"] for e in streamed.events] == [str(last - 2), str(last - 1), str(last)]
    assert {e["event"] for e in streamed.events} == {"change"}
    assert [json.loads(e["data"]) for e in streamed.events] == listed
    assert set(streamed.events[0]) == {"id", "event", "data"}
    assert streamed.body.startswith(f"id: {last - 2}\nevent: change\ndata: {{".encode())


def test_last_event_id_takes_precedence_over_since(app: FastAPI, client: TestClient) -> None:
    last = newest_seq(client)
    streamed = drive(app, "since=0", {"Last-Event-ID": str(last - 1)}, events=1)
    assert [e["id"] for e in streamed.events] == [str(last)]
    # Without the header, since=0 starts at the first change.
    assert drive(app, "since=0", events=1).events[0]["id"] == "1"


@pytest.fixture(scope="module")
def cached_app(seeded_url: str) -> FastAPI:
    """The full middleware stack, response cache included (the stream bypasses it)."""
    return create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR, cache_enabled=True))


@pytest.mark.parametrize("stack", ["app", "cached_app"])
def test_every_middleware_passes_the_stream_through(
    stack: str, request: pytest.FixtureRequest, client: TestClient
) -> None:
    application: FastAPI = request.getfixturevalue(stack)
    last = newest_seq(client)
    # Events arrive while the response is still open: nothing waits for its end.
    streamed = drive(
        application,
        f"since={last - 1}",
        {"Accept-Encoding": "gzip", "If-None-Match": "*"},
        events=1,
    )
    assert streamed.status == 200
    assert not streamed.complete
    assert streamed.events[0]["id"] == str(last)
    headers = streamed.headers
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"
    assert "content-encoding" not in headers  # never gzip-compressed (GZip buffers)
    assert "etag" not in headers  # never buffered to hash it, never a 304
    assert headers["x-content-type-options"] == "nosniff"


def test_head_answers_the_headers_and_ends(app: FastAPI) -> None:
    started = time.monotonic()
    streamed = drive(app, "since=0", method="HEAD")
    assert time.monotonic() - started < 2
    assert streamed.status == 200
    assert streamed.complete
    assert streamed.body == b""
    assert streamed.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize(
    ("query", "headers", "loc"),
    [
        ("since=-1", {}, ["query", "since"]),
        ("since=soon", {}, ["query", "since"]),
        (f"since={2**62 + 1}", {}, ["query", "since"]),
        ("", {"Last-Event-ID": "abc"}, ["header", "Last-Event-ID"]),
        ("since=3", {"Last-Event-ID": "-5"}, ["header", "Last-Event-ID"]),
    ],
)
def test_an_invalid_start_is_a_422_problem(
    client: TestClient, query: str, headers: dict[str, str], loc: list[str]
) -> None:
    response = client.get(f"/v1/changes/stream?{query}", headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["type"].endswith("/invalid-parameter")
    assert [e["loc"] for e in problem["errors"]] == [loc]


def test_the_stream_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/changes/stream"]["get"]
    assert operation["summary"]
    assert "Last-Event-ID" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} == {"since", "Last-Event-ID"}
    example = operation["responses"]["200"]["content"]["text/event-stream"]["example"]
    event = parse_events(example)[0]
    assert event["event"] == "change"
    assert json.loads(event["data"])["seq"] == int(event["id"])
    assert "422" in operation["responses"]


# The generator itself: batches, and a database that fails for a while.


def collect(factory: Any, since: int, count: int, **options: Any) -> list[int]:
    async def main() -> list[int]:
        seqs = []
        with anyio.fail_after(TIMEOUT):
            async for event in stream.change_events(factory, since, **options):
                assert event.id is not None
                seqs.append(int(event.id))
                if len(seqs) == count:
                    break
        return seqs

    return anyio.run(main)


def test_the_backlog_comes_in_batches_without_waiting(app: FastAPI, client: TestClient) -> None:
    last = newest_seq(client)
    started = time.monotonic()
    seqs = collect(app.state.session_factory, 0, last, batch_size=7, poll_interval=5)
    assert seqs == list(range(1, last + 1))
    assert time.monotonic() - started < 5  # a full batch is followed at once


def test_a_database_outage_is_retried_and_the_stream_goes_on(
    app: FastAPI, client: TestClient
) -> None:
    last = newest_seq(client)
    real: sessionmaker[Session] = app.state.session_factory
    calls = 0

    def failing_twice() -> Session:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise OperationalError("SELECT", None, Exception("the database is down"))
        return real()

    seqs = collect(failing_twice, last - 1, 1, poll_interval=0.05)
    assert seqs == [last]
    assert calls == 3


# A change committed while the stream is open (same process, a database of its own).


@pytest.fixture
def writable_app(migrated_url: str) -> Iterator[FastAPI]:
    application = create_app(
        Settings(database_url=migrated_url, data_dir=DATA_DIR, cache_enabled=False)
    )
    yield application
    application.state.engine.dispose()


def test_a_change_committed_while_open_is_sent(
    writable_app: FastAPI, migrated_url: str, client: TestClient
) -> None:
    place = READ_MODELS["place"].model_validate(client.get("/v1/places/almaty").json())
    renamed = place.model_copy(update={"name": "Alma-Ata"})
    engine = create_db_engine(migrated_url)
    with engine.begin() as conn:
        # The entity's row: the change log's stored body refers to it.
        conn.execute(insert(Entity).values(id="almaty", type="place", name=place.name))
        record_changes(conn, {}, {"almaty": place}, actor="seed")  # seq 1
    committed = threading.Event()

    def write() -> None:
        time.sleep(2 * stream.POLL_INTERVAL)  # the stream is open and idle, polling
        with engine.begin() as conn:
            record_changes(conn, {"almaty": place}, {"almaty": renamed}, actor="stream-test")
        committed.set()

    try:
        # No since: the stream starts after the newest seq, so only the new change comes.
        streamed = drive(writable_app, events=1, during=write)
    finally:
        engine.dispose()
    assert committed.is_set()
    [event] = streamed.events
    assert event["id"] == "2"
    data = json.loads(event["data"])
    assert (data["entity"], data["op"], data["actor"]) == ("almaty", "update", "stream-test")
