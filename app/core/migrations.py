"""Run Alembic from code: ``kb migrate``, ``kb serve`` and the tests share this.

Also the start-up lock: migrations and the first seed run under it, so two first
starts at once (two replicas, two ``kb seed`` runs) wait for each other instead of
racing. PostgreSQL: a session advisory lock on a fixed key, in a connection of its
own. SQLite: ``fcntl.flock`` on ``<database file>.lock``. Either is released by the
operating system or the server when its holder dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.config import PROJECT_ROOT
from app.core.db import create_db_engine

# pg_advisory_lock key of the start-up lock: the first 8 bytes of sha1(b"smk-kb start-up"),
# as a signed bigint. Advisory locks are per database, so one server can hold many.
STARTUP_LOCK_KEY = 0x4F4F_88FF_2358_0305
_POLL_SECONDS = 0.1


def alembic_config(database_url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # Escape % for configparser interpolation (URLs may hold percent-encoded passwords).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade in one transaction (migrations/env.py): all of it or none of it."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


class StartupLockTimeoutError(TimeoutError):
    """Another start-up held the lock for longer than the timeout."""


def sqlite_lock_path(database_url: str) -> Path | None:
    """``<database file>.lock``, or None for an in-memory database."""
    url = make_url(database_url)
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(database + ".lock")


@contextmanager
def startup_lock(
    database_url: str,
    *,
    timeout: float = 600.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the database's start-up lock for the block. Waits for another holder up to
    ``timeout`` seconds (then StartupLockTimeoutError), calling ``on_wait`` once with a
    message when it has to wait."""
    if make_url(database_url).get_backend_name() == "postgresql":
        lock = _postgresql_lock(database_url, timeout, on_wait)
    else:
        lock = _sqlite_lock(database_url, timeout, on_wait)
    with lock:
        yield


def _wait(
    try_lock: Callable[[], bool],
    timeout: float,
    on_wait: Callable[[str], None] | None,
    what: str,
) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while not try_lock():
        if time.monotonic() >= deadline:
            raise StartupLockTimeoutError(
                f"another start-up has held {what} for more than {timeout:g} s"
                " (KB_STARTUP_LOCK_TIMEOUT)"
            )
        if not told and on_wait is not None:
            on_wait(f"waiting for another start-up to finish (it holds {what})")
            told = True
        time.sleep(_POLL_SECONDS)


@contextmanager
def _postgresql_lock(
    database_url: str, timeout: float, on_wait: Callable[[str], None] | None
) -> Iterator[None]:
    # A dedicated connection in autocommit: the lock belongs to the session, not to a
    # transaction, and an idle connection is never "idle in transaction". Polling
    # pg_try_advisory_lock keeps any statement_timeout from cutting the wait short.
    engine = create_db_engine(database_url)  # its connect timeout, if any, applies
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            _wait(
                lambda: bool(
                    conn.execute(
                        text("SELECT pg_try_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY}
                    ).scalar()
                ),
                timeout,
                on_wait,
                f"PostgreSQL advisory lock {STARTUP_LOCK_KEY}",
            )
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
    finally:
        engine.dispose()


def _open_lock_file(path: Path) -> int | None:
    """The lock file's descriptor; None if it can be neither created nor opened (a
    read-only directory: then no one can migrate or seed there, and nothing to lock)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        pass
    try:
        return os.open(path, os.O_RDONLY)  # flock works on a read-only descriptor too
    except OSError:
        return None


@contextmanager
def _sqlite_lock(
    database_url: str, timeout: float, on_wait: Callable[[str], None] | None
) -> Iterator[None]:
    path = sqlite_lock_path(database_url)
    fd = None if path is None else _open_lock_file(path)
    if fd is None:
        yield
        return

    def try_lock() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    try:
        _wait(try_lock, timeout, on_wait, f"the lock file {path}")
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
