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
            rebuilt = restored = None
            try:
                rebuilt = ensure_search_index(engine)
            except DBAPIError as exc:
                if not _read_only(exc):
                    raise
                say("the search tables are out of date, but the database is read-only:")
                say("  search answers may miss entities until `kb migrate` runs on a writable copy")
            if rebuilt is not None:
                why, entities = rebuilt
                say(f"search tables rebuilt for {entities} entities ({why})")
            try:
                restored = ensure_stored_bodies(engine)
            except DBAPIError as exc:
                if not _read_only(exc):
                    raise
                say("the stored bodies are out of date, but the database is read-only:")
                say(
                    "  entities are assembled on every read until `kb migrate` runs on a writable copy"
                )
            else:
                if restored is not None:
                    say(f"stored bodies rebuilt for {restored[1]} entities ({restored[0]})")
            seeded = None
            if seed_mode == "always" or (seed_mode == "if-empty" and is_empty(engine)):
                seeded = seed(engine, data_dir, force=force)
        finally:
            engine.dispose()
    return StartupReport(rebuilt, seeded, restored)
