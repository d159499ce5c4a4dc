from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ID_LENGTH
from app.models.entity import Entity


class Place(Entity):
    __tablename__ = "place"
    __table_args__: tuple[Any, ...] = (
        CheckConstraint("length(country) = 2", name="country_alpha2"),
    )

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    classification: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    part_of_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("place.id", ondelete="SET NULL"), index=True
    )

    part_of: Mapped[Place | None] = relationship(
        remote_side=[id], foreign_keys=[part_of_id], lazy="raise"
    )

    __mapper_args__ = {"polymorphic_identity": "place", "inherit_condition": id == Entity.id}
