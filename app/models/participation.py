from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ID_LENGTH, Base, FactMixin

if TYPE_CHECKING:
    from app.models.entity import Entity
    from app.models.event import Event


class Participation(FactMixin, Base):
    """An entity's part in an event (organiser, supporter, victim, ...)."""

    __tablename__ = "participation"
    __table_args__ = (UniqueConstraint("document_id", "natural_key"),)

    event_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("event.id", ondelete="CASCADE"), index=True
    )
    entity_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(200))
    inferred: Mapped[bool] = mapped_column(Boolean, server_default=false())

    event: Mapped[Event] = relationship(foreign_keys=[event_id], lazy="raise")
    entity: Mapped[Entity] = relationship(foreign_keys=[entity_id], lazy="raise")
