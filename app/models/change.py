from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base
from app.models.types import one_of_check

CHANGE_OPS = ("create", "update", "delete")


class Change(Base):
    """The append-only change log: one row per new version of an entity, written in the
    transaction that made it. ``seq`` comes from the locked counter row, so it follows
    commit order and never repeats. ``body`` is the entity as of that version (null
    for a delete) and ``patch`` the RFC 6902 JSON Patch from the previous one."""

    __tablename__ = "change"
    __table_args__ = (
        one_of_check("op", CHANGE_OPS),
        Index("ix_change_entity_id_version", "entity_id", "version", unique=True),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Not a foreign key: the log outlives deleted entities.
    entity_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    entity_type: Mapped[str] = mapped_column(String(16))
    op: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    patch: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
