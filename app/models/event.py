from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH
from app.models.entity import Entity
from app.models.types import partial_date_check


class Event(Entity):
    __tablename__ = "event"
    __table_args__: tuple[Any, ...] = (
        partial_date_check("start_date"),
        partial_date_check("end_date"),
        # Both bounds of the period: a period filter and its count read the index only.
        Index("ix_event_start_date_end_date", "start_date", "end_date"),
    )

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    classification: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10), index=True)

    __mapper_args__ = {"polymorphic_identity": "event"}
