from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.vocabulary import QUALIFIERS
from app.models.base import ID_LENGTH, Base, FactMixin
from app.models.types import one_of_check


class EventFigure(FactMixin, Base):
    """A counted outcome of an event: "over 14 demonstrators killed"."""

    __tablename__ = "event_figure"
    __table_args__ = (
        UniqueConstraint("document_id", "natural_key"),
        one_of_check("qualifier", QUALIFIERS),
    )

    event_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    qualifier: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(50))
    # Who gives the figure, in the article's words ("Kazakh officials").
    according_to: Mapped[str | None] = mapped_column(Text)
    inferred: Mapped[bool] = mapped_column(Boolean, server_default=false())
