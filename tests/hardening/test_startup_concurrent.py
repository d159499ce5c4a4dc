"""Two first starts at once on a fresh database wait for each other instead of racing.

Issue 13: two replicas, or two ``kb seed`` runs, started together on a fresh database
raced, and the loser exited with a traceback. Migrations and the first seed now run
under the start-up lock (a PostgreSQL advisory lock, a lock file beside an SQLite
database): both processes succeed and the database is seeded exactly once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.db import create_db_engine
from tests.conftest import DATA_DIR, DatabaseFactory

pytestmark = pytest.mark.slow

KB = [sys.executable, "-c", "from app.cli import main; main()"]


def _kb(url: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KB_DATABASE_URL": url, "KB_DATA_DIR": str(DATA_DIR)}
    with log.open("wb") as out:
        return subprocess.Popen([*KB, *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def _assert_seeded_once(url: str) -> None:
    """One ``create`` change per entity, nothing else, at dataset revision 1."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            entities = set(conn.execute(text("SELECT id FROM entity")).scalars())
            creates = conn.execute(
                text(
                    "SELECT entity_id, count(*) FROM change WHERE op = 'create' GROUP BY entity_id"
                )
            ).all()
            changes = conn.execute(text("SELECT count(*) FROM change")).scalar()
            revision = conn.execute(text("SELECT revision FROM dataset_revision")).scalar()
    finally:
        engine.dispose()
    assert len(entities) >= 70
    assert {entity for entity, _ in creates} == entities
    assert {count for _, count in creates} == {1}
    assert changes == len(entities)
    assert revision == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_two_first_seeds_at_once_both_succeed_and_seed_once(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = databases.new_url()
    logs = [tmp_path / f"seed-{n}.log" for n in range(2)]
    processes = [_kb(url, log, "seed") for log in logs]
    for process in processes:
        process.wait(timeout=120)
    outputs = [log.read_text() for log in logs]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert not any("Traceback" in output for output in outputs), outputs
    # One seeded the database, the other found nothing to change.
    verdicts = sorted(
        line.rsplit(" ", 1)[-1]
        for output in outputs
        for line in output.splitlines()
        if line.startswith("dataset revision")
    )
    assert verdicts == ["(changed)", "(unchanged)"], outputs
    _assert_seeded_once(url)


def test_two_first_serves_at_once_both_start_and_seed_once(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = databases.new_url()
    ports = [_free_port(), _free_port()]
    logs = [tmp_path / f"serve-{port}.log" for port in ports]
    processes = [
        _kb(url, log, "serve", "--port", str(port), "--no-access-log")
        for port, log in zip(ports, logs, strict=True)
    ]
    try:
        deadline = time.monotonic() + 90
        waiting = set(ports)
        while waiting and time.monotonic() < deadline:
            for process, log in zip(processes, logs, strict=True):
                assert process.poll() is None, log.read_text()
            waiting = {port for port in waiting if not _healthy(port)}
            time.sleep(0.1)
        assert not waiting, [log.read_text() for log in logs]
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    outputs = [log.read_text() for log in logs]
    assert not any("Traceback" in output for output in outputs), outputs
    # Exactly one of them seeded (printed the seed report): the other found it seeded.
    assert sum("dataset revision 1 (changed)" in output for output in outputs) == 1, outputs
    _assert_seeded_once(url)
