"""A real ``kb serve`` for tests that need a process: on a free loopback port, with its
output in a log file, started and stopped by a context manager."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import DATA_DIR

KB = Path(sys.executable).parent / "kb"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``kb serve`` with the given database and ``KB_*`` settings, ready when built."""

    # In a process group of its own (so a test can SIGKILL it and its workers at once).
    new_session = False
    # "ab": a restarted server appends to the same log.
    log_mode = "wb"

    def __init__(self, database_url: str, log: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {
            **os.environ,
            "KB_DATABASE_URL": database_url,
            "KB_CACHE_ENABLED": "false",
            "KB_DATA_DIR": str(DATA_DIR),
            **env,
        }
        command = [str(KB), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with log.open(self.log_mode) as out:
            self.process = subprocess.Popen(
                [*command, "--no-access-log", *args],
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=self.new_session,
            )
        self.client = httpx.Client(base_url=self.base, timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"kb serve exited:\n{self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if self.client.get("/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"kb serve did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def timed_get(self, path: str) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = self.client.get(path)
        return response, time.monotonic() - started

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def serving(database_url: str, log: Path, *args: str, **env: str) -> Iterator[Server]:
    server = Server(database_url, log, *args, **env)
    try:
        yield server
    finally:
        server.stop()
