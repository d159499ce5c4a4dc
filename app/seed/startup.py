"""Start-up of the ``kb`` commands that touch the schema (``migrate``, ``seed``,
``serve``, ``generate``), in one place so they all do it the same way:

1. take the start-up lock (app.core.migrations.startup_lock), so concurrent first
   starts wait for each other instead of racing;
2. migrate to head, in one transaction (a SIGKILL leaves the previous revision);
3. rebuild the search tables if they are empty or out of date
   (app.search.freshness), e.g. after an upgrade of a database seeded long ago;
4. seed, always (``kb seed``) or only an empty database (``kb serve``);
5. release the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import DBAPIError

from app.core.db import create_db_engine
from app.core.migrations import startup_lock, upgrade
from app.provenance.stored_freshness import ensure_stored_bodies
from app.search.freshness import ensure_search_index
from app.seed.loader import SeedReport, is_empty, seed

SeedMode = Literal["never", "if-empty", "always"]


@dataclass(frozen=True)
class StartupReport:
    rebuilt: tuple[str, int] | None  # (why, entities) when the search tables were rebuilt
    seeded: SeedReport | None
    restored: tuple[str, int] | None = None  # (why, entities) when the stored bodies were


def _read_only(exc: DBAPIError) -> bool:
    message = str(exc.orig).lower()
    return "readonly" in message or "read-only" in message


def _refresh(
    what: str,
    ensure: Callable[[], tuple[str, int] | None],
    meanwhile: str,
    say: Callable[[str], None],
) -> tuple[str, int] | None:
    """Rebuild derived tables when due; on a read-only database, say what that costs."""
    try:
        rebuilt = ensure()
    except DBAPIError as exc:
        if not _read_only(exc):
            raise
        say(f"the {what} are out of date, but the database is read-only:")
        say(f"  {meanwhile} until `kb migrate` runs on a writable copy")
        return None
    if rebuilt is not None:
        why, entities = rebuilt
        say(f"{what} rebuilt for {entities} entities ({why})")
    return rebuilt


def start_up(
    database_url: str,
    data_dir: Path,
    *,
    migrate: bool = True,
    seed_mode: SeedMode = "never",
    force: bool = False,
    lock_timeout: float = 600.0,
    say: Callable[[str], None] = lambda _message: None,
) -> StartupReport:
    """Raises StartupLockTimeoutError if another start-up holds the lock too long, and
    DataError (nothing written) if the dataset does not check. ``force`` lets the seed's
    values win over edits made through the API (app.seed.loader)."""
    with startup_lock(database_url, timeout=lock_timeout, on_wait=say):
        if migrate:
            upgrade(database_url)
        engine = create_db_engine(database_url)
        try:
            rebuilt = _refresh(
                "search tables",
                lambda: ensure_search_index(engine),
                "search answers may miss entities",
                say,
            )
            restored = _refresh(
                "stored bodies",
                lambda: ensure_stored_bodies(engine),
                "entities are assembled on every read",
                say,
            )
            seeded = None
            if seed_mode == "always" or (seed_mode == "if-empty" and is_empty(engine)):
                seeded = seed(engine, data_dir, force=force)
        finally:
            engine.dispose()
    return StartupReport(rebuilt, seeded, restored)
