"""``Idempotency-Key`` on POST: the first answer is stored in the write's transaction
(so a crash loses both or neither) and a retry with the same key gets it back. A key
is per API key; reusing one for a different request is a 422."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from fastapi import Response
from sqlalchemy import insert, select

from app.core.errors import AppError
from app.curation.unit import WriteUnit
from app.models import IdempotentResponse

REPLAYED = "Idempotent-Replayed"
_KEPT_HEADERS = ("etag", "location", "content-type")


class IdempotencyKeyReusedError(AppError):
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key Reused"


def request_digest(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def replay(unit: WriteUnit, key: str, digest: str) -> Response | None:
    """The stored answer for this key, if any (call with the write lock held)."""
    table = IdempotentResponse.__table__
    row = unit.conn.execute(
        select(table).where(table.c.actor == unit.actor.name, table.c.key == key)
    ).first()
    if row is None:
        return None
    if row.request_sha256 != digest:
        raise IdempotencyKeyReusedError(
            f"Idempotency-Key {key!r} was first used for another request "
            f"({row.method} {row.path}); use a new key for a new request"
        )
    headers = dict(json.loads(row.headers))
    headers[REPLAYED] = "true"
    return Response(content=row.body, status_code=row.status, headers=headers)


def remember(
    unit: WriteUnit, key: str, digest: str, method: str, path: str, response: Response
) -> None:
    headers = [[name, value] for name, value in response.headers.items() if name in _KEPT_HEADERS]
    unit.conn.execute(
        insert(IdempotentResponse).values(
            actor=unit.actor.name,
            key=key,
            method=method,
            path=path,
            request_sha256=digest,
            status=response.status_code,
            headers=json.dumps(headers),
            body=bytes(response.body),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
