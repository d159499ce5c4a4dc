from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base


class StoredBody(Base):
    """Each entity's current body, as the API serves it (JSON text), written in the same
    transaction as every change to it (``app.provenance.changes.record_changes``), so a
    read is one primary-key lookup instead of eleven SELECTs and a validation. Derived
    data: start-up rebuilds it when it is empty or its format is not the code's
    (``app.provenance.stored``)."""

    __tablename__ = "entity_body"

    entity_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


class StoredBodyState(Base):
    """One row: the format the stored bodies were built in (a digest of the read
    models' schemas and ``BODY_FORMAT``), compared at start-up."""

    __tablename__ = "entity_body_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    format: Mapped[str] = mapped_column(String(64))
    entities: Mapped[int] = mapped_column(Integer)  # bodies written by that rebuild
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
