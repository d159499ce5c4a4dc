from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, FactMixin
from app.models.types import one_of_check
from app.seed.schemas import QUALIFIERS


class EventFigure(FactMixin, Base):
    """A counted outcome of an event: "over 14 demonstrators killed"."""

    __tablename__ = "event_figure"
    __table_args__ = (one_of_check("qualifier", QUALIFIERS),)

    event_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    qualifier: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(50))
