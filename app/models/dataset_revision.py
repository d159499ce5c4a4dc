from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DatasetRevision(Base):
    """One row: a counter every write transaction increments, the last change ``seq``
    handed out, and the fingerprint of the dataset last seeded. Writers take both
    counters with one ``UPDATE ... RETURNING``, whose row lock orders them, so the
    change log's ``seq`` follows commit order. Caches key on ``revision``."""

    __tablename__ = "dataset_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    fingerprint: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
