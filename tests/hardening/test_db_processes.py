"""Database faults against a real ``kb serve`` (slow: CI runs them with ``pytest -m slow``).

PostgreSQL (KB_TEST_DATABASE_URL): the server reaches the database through a TCP relay on
loopback that the test controls. ``blackhole`` accepts connections and never answers (a
hung host, a network partition: the bytes of open connections are dropped too);
``refuse`` closes the listener and resets every connection (the database is down);
``forward`` restores it. SQLite: a database file deleted under the running server, and
a read-only one (see ``read_only_directory``).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.core.db import create_db_engine
from app.core.migrations import upgrade
from app.seed.loader import seed
from tests.conftest import DATA_DIR, DatabaseFactory
from tests.servers import Server
from tests.servers import serving as shared_serving

# The server's database settings in these tests: small, so that the test is quick.
TIMEOUTS = {
    "KB_DATABASE_CONNECT_TIMEOUT": "2",
    "KB_DATABASE_STATEMENT_TIMEOUT": "1",
    "KB_DATABASE_POOL_TIMEOUT": "1",
    "KB_READY_TIMEOUT": "1",
    "KB_RETRY_AFTER": "3",
}


class Relay:
    """A TCP relay from a port on 127.0.0.1 to ``target_port``, in one of three modes."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.mode = "forward"
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: refuse mode
            with self._lock:
                self._sockets.append(client)
            if self.mode != "forward":
                continue  # blackhole: accepted, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            try:
                ready, _, _ = select.select([source], [], [], 0.2)
                if not ready:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                if self.mode == "forward":
                    sink.sendall(data)
                # blackhole: the bytes are dropped, nothing is ever answered
            except (OSError, ValueError):
                break
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def set_mode(self, mode: str) -> None:
        assert mode in ("forward", "blackhole", "refuse")
        self.mode = mode
        if mode == "refuse":
            self.close()
        elif self._listener is None:
            self._listen()

    def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): stop listening
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                # A reset, as when the database's host goes away.
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.close()


@contextlib.contextmanager
def serving(database_url: str, log: Path, **env: str) -> Iterator[Server]:
    """``kb serve`` with this module's short database timeouts."""
    with shared_serving(database_url, log, **{**TIMEOUTS, **env}) as server:
        yield server


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == TIMEOUTS["KB_RETRY_AFTER"]
    assert response.json()["status"] == 503


def seeded_database(url: str) -> None:
    upgrade(url)
    engine = create_db_engine(url)
    try:
        seed(engine, DATA_DIR)
    finally:
        engine.dispose()


def first_ok(server: Server, path: str, limit: float = 15.0) -> float:
    """Seconds until ``path`` answers 200, polling every 20 ms."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        with contextlib.suppress(httpx.HTTPError):
            if server.client.get(path, timeout=5).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{path} did not recover within {limit} s")


# --- PostgreSQL: hung, down, back ---------------------------------------------------------


@pytest.fixture
def postgresql_behind_relay(databases: DatabaseFactory) -> Iterator[tuple[str, Relay]]:
    if not databases.is_postgresql:
        pytest.skip("a TCP relay needs a database server: set KB_TEST_DATABASE_URL")
    url = databases.new_url()
    seeded_database(url)
    parsed = make_url(url)
    relay = Relay(parsed.port or 5432)
    relayed = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    try:
        yield relayed, relay
    finally:
        relay.close()


@pytest.mark.slow
def test_a_hung_then_down_then_restored_postgresql(
    postgresql_behind_relay: tuple[str, Relay], tmp_path: Path
) -> None:
    url, relay = postgresql_behind_relay
    with serving(url, tmp_path / "serve.log") as server:
        assert server.client.get("/ready").json()["status"] == "ready"
        assert server.client.get("/v1/people?limit=1").status_code == 200

        # Hung: the relay takes every byte and answers none. A list page, an entity and a
        # search, each read first by its fast path on a driver connection (which the
        # engine's deadlines must reach too: without them the read waited for ever).
        relay.set_mode("blackhole")
        slow: dict[str, tuple[httpx.Response, float]] = {}
        paths = ["/v1/people?limit=2", "/v1/people/ainur-kurmanov", "/v1/search?q=almaty"]
        waiting = [
            threading.Thread(target=lambda p=path: slow.update({p: server.timed_get(p)}))
            for path in paths
        ]
        for thread in waiting:
            thread.start()
        time.sleep(0.3)
        health, health_seconds = server.timed_get("/health")  # while the requests wait
        for thread in waiting:
            thread.join(30)
        for path in paths:
            response, seconds = slow[path]
            assert_unavailable(response)
            # A deadline (the statement's, 2 s, or the ping's, the connect timeout, 2 s),
            # then a new connection that the relay never answers (2 s): well under the
            # ~29 s of before.
            assert seconds < 6.5, (path, seconds)
            print(f"\nPostgreSQL hung: {path} 503 in {seconds:.2f} s")
        print(f"/health in {health_seconds:.3f} s")
        assert health.status_code == 200
        assert health_seconds < 0.5, health_seconds
        ready, ready_seconds = server.timed_get("/ready")
        assert ready.status_code == 503
        assert ready.headers["retry-after"] == TIMEOUTS["KB_RETRY_AFTER"]
        assert ready_seconds < 2.5, ready_seconds

        # Down: the relay refuses connections.
        relay.set_mode("refuse")
        time.sleep(0.2)
        response, seconds = server.timed_get("/v1/people?limit=3")
        assert_unavailable(response)
        assert seconds < 6.5, seconds
        response, seconds = server.timed_get("/v1/people?limit=4")
        assert_unavailable(response)
        assert seconds < 1.0, seconds  # refused: no waiting at all
        print(f"PostgreSQL down: 503 in {seconds:.3f} s; hung /ready 503 in {ready_seconds:.2f} s")
        assert "database-unavailable" in response.json()["type"]
        assert "Traceback" not in server.output()

        # Back: the time to the first 200 (docs/architecture.md, "Database faults").
        relay.set_mode("forward")
        recovery = first_ok(server, "/v1/people?limit=5")
        print(f"\nPostgreSQL: first 200 {recovery:.3f} s after the database came back")
        assert recovery < 3.0, recovery
        assert server.client.get("/ready").status_code == 200


# --- SQLite: a deleted file, a read-only file ----------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "kb.sqlite3"
    path.parent.mkdir()
    seeded_database(f"sqlite:///{path}")
    return path


@pytest.mark.slow
@pytest.mark.one_engine
def test_a_deleted_sqlite_file_is_reported_not_recreated(sqlite_file: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite3"
    with serving(f"sqlite:///{sqlite_file}", tmp_path / "serve.log") as server:
        assert server.client.get("/v1/people?limit=1").status_code == 200
        assert server.client.get("/v1/people/ainur-kurmanov").status_code == 200
        shutil.copy(sqlite_file, backup)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)

        response, seconds = server.timed_get("/v1/people?limit=2")
        assert_unavailable(response)
        assert seconds < 1.0
        # The entity detail's fast path reads from a pool of its own, which held the
        # file open: it notices too.
        response, seconds = server.timed_get("/v1/people/ainur-kurmanov")
        assert_unavailable(response)
        assert seconds < 1.0
        ready = server.client.get("/ready")
        assert ready.status_code == 503
        assert "does not exist" in ready.json()["detail"]
        assert server.client.get("/health").status_code == 200
        assert not sqlite_file.exists()  # never recreated empty

        # Put back (as `kb migrate` would make it): served again at once.
        shutil.copy(backup, sqlite_file)
        recovery = first_ok(server, "/v1/people?limit=3")
        print(f"\nSQLite: first 200 {recovery:.3f} s after the file came back")
        assert recovery < 1.0, recovery
        assert server.client.get("/v1/people/ainur-kurmanov").status_code == 200
        assert server.client.get("/ready").status_code == 200
        assert "Traceback" not in server.output()


@contextlib.contextmanager
def read_only_directory(source: Path, tmp_path: Path) -> Iterator[Path]:
    """``source`` seen through a read-only directory, for real: a read-only bind mount
    (root ignores file modes, not a read-only mount: writes fail with EROFS), or, for
    a user other than root, modes 0555/0444."""
    if os.geteuid() != 0:
        for path in source.iterdir():
            path.chmod(0o444)
        source.chmod(0o555)
        try:
            yield source
        finally:
            source.chmod(0o755)
            for path in source.iterdir():
                path.chmod(0o644)
        return
    target = tmp_path / "read-only"
    target.mkdir()
    mounted = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(source), str(target)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {mounted.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=False)


@pytest.mark.slow
@pytest.mark.one_engine
def test_a_read_only_sqlite_file_is_served_read_only(sqlite_file: Path, tmp_path: Path) -> None:
    # A clean copy, as shipped: WAL mode in its header, no -wal or -shm file beside it.
    engine = create_db_engine(f"sqlite:///{sqlite_file}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    with read_only_directory(sqlite_file.parent, tmp_path) as directory:
        path = directory / sqlite_file.name
        with pytest.raises(OSError, match=r"Read-only file system|Permission denied"):
            (directory / "probe").write_bytes(b"")  # really read-only, root included
        with serving(f"sqlite:///{path}", tmp_path / "serve.log") as server:
            ready = server.client.get("/ready")
            assert ready.status_code == 200, ready.text
            assert ready.json()["read_only"] is True
            assert server.client.get("/v1/people?limit=1").status_code == 200
            assert server.client.get("/v1/search?q=Kazakhstan").status_code == 200
            output = server.output()
        assert "Traceback" not in output, output
        assert f"SQLite database {path} is read-only" in output, output
