"""API keys: made, listed and revoked with ``kb keys``; checked on every write.

A key is ``kb_<id>_<secret>``: ``id`` is public (it finds the row), ``secret`` is 256
random bits. Only the SHA-256 digest of the whole key is stored. A digest suffices
for a random secret (a slow password hash guards guessable passwords; there is
nothing here to guess), and it is compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import ApiKey
from app.models.curation import KEY_SCOPES

# Each scope allows what the ones before it allow.
SCOPE_RANK = {scope: rank for rank, scope in enumerate(KEY_SCOPES)}
_KEY = re.compile(r"^kb_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,119}$")
# Compared against when no row matches, so an unknown id costs the same time.
_NO_DIGEST = "0" * 64


class ApiKeyError(ValueError):
    """A key cannot be made or revoked as asked."""


@dataclass(frozen=True)
class Actor:
    """Who is writing: the key's name (what the change log records) and scope."""

    name: str
    scope: str

    def allows(self, scope: str) -> bool:
        return SCOPE_RANK[self.scope] >= SCOPE_RANK[scope]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, scope: str) -> str:
    """Store a new key and return it: the only time it is ever shown."""
    if not _NAME.match(name):
        raise ApiKeyError(
            "a key name is 1-120 letters, digits, spaces or ._@- and starts with a letter or digit"
        )
    if scope not in SCOPE_RANK:
        raise ApiKeyError(f"scope must be one of {', '.join(KEY_SCOPES)}")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(f"a key named {name!r} exists already (names are what the log records)")
    key_id = secrets.token_hex(6)
    key = f"kb_{key_id}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiKey(
            id=key_id,
            name=name,
            scope=scope,
            secret_sha256=_digest(key),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    session.commit()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.name)))


def revoke_key(session: Session, name: str) -> None:
    revoked = session.execute(
        update(ApiKey)
        .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    if getattr(revoked, "rowcount", 0) == 0:
        raise ApiKeyError(f"no active key named {name!r}")
    session.commit()


def verify_key(session: Session, key: str) -> Actor | None:
    """The actor a presented key stands for, or None (unknown, malformed or revoked)."""
    match = _KEY.match(key)
    row = None
    if match is not None:
        row = session.execute(
            select(ApiKey.name, ApiKey.scope, ApiKey.secret_sha256, ApiKey.revoked_at).where(
                ApiKey.id == match.group(1)
            )
        ).first()
    stored = row.secret_sha256 if row is not None else _NO_DIGEST
    if not hmac.compare_digest(_digest(key), stored) or row is None:
        return None
    if row.revoked_at is not None:
        return None
    return Actor(row.name, row.scope)
