"""What the curation API keeps besides the knowledge itself: API keys, the answers of
idempotent requests, and tombstones of deleted seeded rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import CURATOR_LENGTH, DOCUMENT_ID_LENGTH, NATURAL_KEY_LENGTH, Base
from app.models.types import one_of_check

KEY_SCOPES = ("read", "write", "admin")


class ApiKey(Base):
    """A key for writes. The secret is never stored: only its SHA-256 digest, which is
    enough for a random 256-bit secret (no dictionary to try). ``id`` is the public
    prefix of the key, used to find the row before a constant-time compare."""

    __tablename__ = "api_key"
    __table_args__ = (one_of_check("scope", KEY_SCOPES),)

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(CURATOR_LENGTH), unique=True)
    scope: Mapped[str] = mapped_column(String(8))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotentResponse(Base):
    """The first answer to a POST that carried ``Idempotency-Key``, stored in the
    write's own transaction, so a retry gets it back instead of writing twice."""

    __tablename__ = "idempotent_response"

    actor: Mapped[str] = mapped_column(String(CURATOR_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[str] = mapped_column(Text)  # JSON list of [name, value]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Tombstone(Base):
    """A row a document's seed owned that was deleted through the API: the next seed
    reports it instead of silently bringing it back (unless ``--force``)."""

    __tablename__ = "tombstone"

    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(DOCUMENT_ID_LENGTH), primary_key=True)
    # The row's natural key (facts) or id (entities, citations).
    natural_key: Mapped[str] = mapped_column(String(NATURAL_KEY_LENGTH), primary_key=True)
    actor: Mapped[str] = mapped_column(String(CURATOR_LENGTH))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
