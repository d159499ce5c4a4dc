"""GET /v1/changes/stream against a real ``kb serve``: a change committed by another
process reaches an open stream, through every middleware, within a few seconds; HEAD
answers at once; and SIGTERM stops the server promptly while a stream is open (uvicorn
waits for open responses on shutdown: sse-starlette ends the stream when told to exit).
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.api.test_changes_stream import parse_events
from tests.conftest import DatabaseFactory
from tests.servers import Server, serving

# Real servers, a few seconds each: with the other process tests (pytest -m slow).
pytestmark = pytest.mark.slow

# Another process writes: it opens the database with the app's code and records one
# change (a new name for Almaty) in a transaction of its own, as a writer does.
WRITE_A_CHANGE = """
import sys
from sqlalchemy.orm import Session
from app.core.db import create_db_engine
from app.provenance.changes import record_changes
from app.provenance.listing import entity_or_404

engine = create_db_engine(sys.argv[1])
with engine.begin() as conn:
    before = entity_or_404(Session(bind=conn), "almaty")
    after = before.model_copy(update={"name": sys.argv[2]})
    record_changes(conn, {"almaty": before}, {"almaty": after}, actor="another-process")
engine.dispose()
"""


@pytest.fixture(scope="module")
def writable_url(databases: DatabaseFactory) -> str:
    """A seeded database of this module's own: these tests write to it."""
    return databases.new_seeded_url()


class Listener:
    """Reads an event stream in a thread; each event goes to ``events`` with the time
    it arrived."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.events: queue.Queue[tuple[float, dict[str, str]]] = queue.Queue()
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.response_headers: httpx.Headers = httpx.Headers()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            timeout = httpx.Timeout(5, read=30)
            with (
                httpx.Client(timeout=timeout) as client,
                client.stream("GET", self.url, headers=self.headers) as response,
            ):
                assert response.status_code == 200
                self.response_headers = response.headers
                self.opened.set()
                buffer = ""
                for text in response.iter_text():
                    buffer += text
                    *blocks, buffer = buffer.split("\n\n")
                    for block in blocks:
                        for event in parse_events(block):
                            self.events.put((time.monotonic(), event))
        except BaseException as exc:
            self.error = exc
        finally:
            self.ended.set()

    def next_event(self, timeout: float) -> tuple[float, dict[str, str]]:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout} s (error: {self.error!r})") from None


def newest_seq(server: Server) -> int:
    seq: int = server.client.get("/v1/changes", params={"limit": 1}).json()["seq"]
    return seq


@pytest.fixture
def server(writable_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(writable_url, tmp_path / "serve.log") as running:
        yield running


def test_a_change_committed_by_another_process_reaches_an_open_stream(
    server: Server, writable_url: str
) -> None:
    last = newest_seq(server)
    listener = Listener(f"{server.base}/v1/changes/stream", {"Accept-Encoding": "gzip"})
    assert listener.opened.wait(10), listener.error
    headers = listener.response_headers
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"
    assert headers["x-accel-buffering"] == "no"
    assert "content-encoding" not in headers
    assert "etag" not in headers

    subprocess.run(
        [sys.executable, "-c", WRITE_A_CHANGE, writable_url, "Alma-Ata"],
        cwd=PROJECT_ROOT,
        check=True,
        timeout=60,
    )
    committed = time.monotonic()
    arrived, event = listener.next_event(timeout=5)
    # Half a second of polling, plus the time to read and send it.
    assert arrived - committed < 3
    assert event["id"] == str(last + 1)  # no since: only changes after the stream opened
    assert event["event"] == "change"
    change = json.loads(event["data"])
    assert change["seq"] == last + 1
    assert (change["entity"], change["op"], change["actor"]) == (
        "almaty",
        "update",
        "another-process",
    )
    assert change == server.client.get("/v1/changes", params={"since": last}).json()["items"][0]
    assert listener.events.empty()

    # HEAD gets the headers and ends; the connection serves the next request.
    response = server.client.head("/v1/changes/stream", timeout=3)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert server.client.get("/health", timeout=3).status_code == 200


def test_sigterm_stops_the_server_promptly_while_a_stream_is_open(server: Server) -> None:
    last = newest_seq(server)
    listener = Listener(f"{server.base}/v1/changes/stream?since={last - 1}")
    _, event = listener.next_event(timeout=5)  # the stream is open and flowing
    assert event["id"] == str(last)

    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=15)
    stopped = time.monotonic() - started
    assert stopped < 5, server.output()
    # A clean shutdown (uvicorn then re-raises the signal it caught: -15 is expected).
    assert server.process.returncode in (0, -signal.SIGTERM), server.output()
    assert "Finished server process" in server.output()
    # The stream was ended cleanly (a complete chunked body), not cut off.
    assert listener.ended.wait(5)
    assert listener.error is None, listener.error
    assert "without completing response" not in server.output()
