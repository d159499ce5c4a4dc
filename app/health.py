"""Liveness and readiness.

``/health`` says the process is up: an ``async def`` that touches neither the database
nor the thread pool, so it answers at once even while every worker thread waits on a
database that hangs. ``/ready`` says whether the server can answer: the database
answers within ``KB_READY_TIMEOUT``, its schema is at the migrations' head, and the
search tables are filled when there are entities.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import anyio
from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import PROJECT_ROOT
from app.core.db import database_info
from app.core.errors import DEFAULT_RETRY_AFTER, ProblemError, error_responses, problem_response

router = APIRouter()


class Health(BaseModel):
    status: Literal["ok"]


class CacheStats(BaseModel):
    """This worker process's response cache (each worker keeps its own)."""

    hits: int
    misses: int
    entries: int
    bytes: int


class Ready(BaseModel):
    status: Literal["ready"]
    migration: str
    read_only: bool
    cache: CacheStats | None = Field(
        default=None,
        description="The answering worker's response cache since it started; null when "
        "the cache is off (`KB_CACHE_ENABLED=false`).",
    )


@router.get("/health", response_model=Health, summary="Liveness")
async def health() -> Health:
    """The process is up and serving requests. Reads no database: see ``/ready``."""
    return Health(status="ok")


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The revisions the code's migrations end at (normally one)."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


class NotReadyError(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.error = ProblemError(loc=[where], msg=message)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0][:200] if lines else type(orig).__name__


def check_readiness(factory: sessionmaker[Session], info_engine: Any) -> Ready:
    """Raises NotReadyError saying what is wrong."""
    info = database_info(info_engine)
    if info.sqlite_path is not None and not info.sqlite_path.exists():
        raise NotReadyError(
            "database",
            f"the database file {info.sqlite_path} does not exist: the server never creates "
            "one; run `kb migrate` (or `kb seed`)",
        )
    with factory() as session:
        try:
            versions = set(
                session.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
        except DBAPIError as exc:
            if exc.connection_invalidated or "alembic_version" not in str(exc.orig):
                message = f"the database does not answer: {_first_line(exc)}"
                raise NotReadyError("database", message) from None
            raise NotReadyError(
                "migration", "the database has no schema: run `kb migrate`"
            ) from None
        heads = migration_heads()
        if versions != heads:
            found = ", ".join(sorted(versions)) or "none"
            raise NotReadyError(
                "migration",
                f"the schema is at revision {found}, the code needs {', '.join(sorted(heads))}: "
                "run `kb migrate`",
            )
        has_entities = session.execute(text("SELECT 1 FROM entity LIMIT 1")).first() is not None
        if has_entities:
            has_names = session.execute(text("SELECT 1 FROM search_name LIMIT 1")).first()
            if has_names is None:
                raise NotReadyError(
                    "search",
                    "the search tables are empty while there are entities: search and "
                    "reconciliation would answer nothing; run `kb migrate` to rebuild them",
                )
    return Ready(status="ready", migration=", ".join(sorted(heads)), read_only=info.read_only)


_READY_503: dict[int | str, dict[str, Any]] = error_responses(503)
_READY_503[503]["description"] = (
    "Not ready: the database does not answer in time, its file is missing, the schema is "
    "not at the migrations' head, or the search tables are empty. `detail` and `errors` "
    "say which; retry after the `Retry-After` header's seconds."
)
_READY_503[503]["headers"] = {
    "Retry-After": {
        "description": "Seconds to wait before asking again",
        "schema": {"type": "integer"},
    }
}
_READY_503[503]["content"]["application/problem+json"]["example"] = {
    "type": "https://smk-kb.example/problems/not-ready",
    "title": "Service Unavailable",
    "status": 503,
    "detail": "the schema is at revision 0006, the code needs 0007: run `kb migrate`",
    "instance": "/ready",
    "errors": [
        {
            "loc": ["migration"],
            "msg": "the schema is at revision 0006, the code needs 0007: run `kb migrate`",
        }
    ],
}


@router.get(
    "/ready",
    response_model=Ready,
    summary="Readiness",
    responses=_READY_503,
)
async def ready(request: Request) -> Any:
    """The server can answer: the database answers within `KB_READY_TIMEOUT` seconds,
    its schema is at the migrations' head, and the search tables are filled. A 503
    problem says what is wrong. Unlike `/health`, this reads the database."""
    state = request.app.state
    settings = getattr(state, "settings", None)
    timeout: float = getattr(settings, "ready_timeout", 2.0)
    retry_after: int = getattr(settings, "retry_after", DEFAULT_RETRY_AFTER)
    error = ProblemError(loc=["database"], msg=f"the database did not answer within {timeout:g} s")
    with anyio.move_on_after(timeout):
        try:
            # A thread the deadline may abandon: db.py's timeouts end its wait soon after.
            answer = await anyio.to_thread.run_sync(
                check_readiness, state.session_factory, state.engine, abandon_on_cancel=True
            )
        except NotReadyError as exc:
            error = exc.error
        except SQLAlchemyError as exc:
            error = ProblemError(loc=["database"], msg=f"the database fails: {_first_line(exc)}")
        else:
            cache = getattr(state, "response_cache", None)
            if cache is not None:
                answer.cache = CacheStats(
                    hits=cache.hits, misses=cache.misses, entries=len(cache), bytes=cache.bytes
                )
            return JSONResponse(answer.model_dump(), headers={"Cache-Control": "no-store"})
    return problem_response(
        request,
        503,
        "not-ready",
        "Service Unavailable",
        error.msg,
        errors=[error],
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )
