"""The start-up lock: a second holder waits (and gives up after its timeout), and the
lock is free again once released. Real concurrent processes: test_startup_concurrent."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.migrations import StartupLockTimeoutError, sqlite_lock_path, startup_lock
from tests.conftest import DatabaseFactory


def test_a_second_start_up_waits_then_times_out(empty_url: str) -> None:
    messages: list[str] = []
    with (
        startup_lock(empty_url),
        pytest.raises(StartupLockTimeoutError, match=r"more than 0\.3 s"),
        startup_lock(empty_url, timeout=0.3, on_wait=messages.append),
    ):
        pytest.fail("took a lock another start-up holds")
    assert len(messages) == 1
    assert messages[0].startswith("waiting for another start-up to finish")
    with startup_lock(empty_url, timeout=0.3):  # released: free at once
        pass


def test_a_waiting_start_up_proceeds_when_the_holder_finishes(empty_url: str) -> None:
    released = threading.Event()
    order: list[str] = []

    def holder() -> None:
        with startup_lock(empty_url):
            order.append("first")
            released.wait(5)
            time.sleep(0.2)
            order.append("first done")

    thread = threading.Thread(target=holder)
    thread.start()
    while not order:
        time.sleep(0.01)
    released.set()
    with startup_lock(empty_url, timeout=10):
        order.append("second")
    thread.join()
    assert order == ["first", "first done", "second"]


def test_the_lock_is_per_database(databases: DatabaseFactory) -> None:
    first, second = databases.new_url(), databases.new_url()
    with startup_lock(first), startup_lock(second, timeout=0.5):
        pass


def test_the_sqlite_lock_file_sits_beside_the_database() -> None:
    path = sqlite_lock_path("sqlite:////srv/kb/kb.sqlite3")
    assert path is not None
    assert str(path) == "/srv/kb/kb.sqlite3.lock"
    assert sqlite_lock_path("sqlite://") is None
    assert sqlite_lock_path("sqlite:///:memory:") is None
