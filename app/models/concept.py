from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH
from app.models.entity import Entity


class Concept(Entity):
    """An abstract thing a statement can point at: an ideology, a doctrine."""

    __tablename__ = "concept"

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    classification: Mapped[str | None] = mapped_column(String(200))

    __mapper_args__ = {"polymorphic_identity": "concept"}
