from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ID_LENGTH, Base, FactMixin

if TYPE_CHECKING:
    from app.models.place import Place


class EventPlace(FactMixin, Base):
    """Where an event took place."""

    __tablename__ = "event_place"
    __table_args__ = (UniqueConstraint("document_id", "natural_key"),)

    event_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    place_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("place.id", ondelete="CASCADE"), index=True
    )

    place: Mapped[Place] = relationship(foreign_keys=[place_id], lazy="raise")
