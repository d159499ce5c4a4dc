"""What the curation process tests share: a seeded database, API keys made and revoked
with the real ``kb keys`` command, a ``kb serve`` that can be killed with its workers,
the change log read page by page, and the database's own view of its state."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from app.core.db import create_db_engine
from app.core.migrations import upgrade
from app.seed.loader import seed
from tests.conftest import DATA_DIR
from tests.servers import KB, Server

# Writes in these tests come far faster than the production limit allows.
WRITE_ENV = {"KB_WRITE_RATE_LIMIT": "1000000/minute"}
# A source every fact may cite: words the article contains verbatim.
ARTICLE_SOURCE = {"citation": "article", "quote": "Ainur Kurmanov"}
MERGE_PATCH = "application/merge-patch+json"


def seeded_database(url: str) -> None:
    upgrade(url)
    engine = create_db_engine(url)
    try:
        seed(engine, DATA_DIR)
    finally:
        engine.dispose()


def _kb(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KB), *args],
        env={**os.environ, "KB_DATABASE_URL": url, "KB_DATA_DIR": str(DATA_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def create_key(url: str, name: str, scope: str) -> str:
    """``kb keys create``: the key is the one line on stdout."""
    done = _kb(url, "keys", "create", "--name", name, "--scope", scope)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0] not in done.stderr
    return lines[0]


def revoke_key(url: str, name: str) -> None:
    done = _kb(url, "keys", "revoke", name)
    assert done.returncode == 0, done.stderr


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def database_state(url: str) -> tuple[int, int]:
    """The dataset revision and the last change ``seq``, as the database holds them."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT revision, seq FROM dataset_revision")).one()
    finally:
        engine.dispose()
    return int(row.revision), int(row.seq)


def changes_since(client: httpx.Client, since: int) -> list[dict[str, Any]]:
    """Every change after ``since``, following ``next`` page by page."""
    items: list[dict[str, Any]] = []
    path: str | None = f"/v1/changes?since={since}&limit=200"
    while path is not None:
        response = client.get(path)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        path = page["next"]
    return items


class KillableServer(Server):
    """``kb serve`` in a session of its own, so that SIGKILL reaches the parent and its
    workers at once, as when a machine loses power or the OOM killer takes the group."""

    new_session = True
    log_mode = "ab"

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown, no cleanup, no flush."""
        self.client.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        # The workers must be gone too before another server opens the database.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError("a worker survived SIGKILL of its process group")

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any worker left behind


@contextlib.contextmanager
def killable(database_url: str, log: Path, *args: str, **env: str) -> Iterator[KillableServer]:
    server = KillableServer(database_url, log, *args, **env)
    try:
        yield server
    finally:
        server.stop()
