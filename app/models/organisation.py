from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ID_LENGTH
from app.models.entity import Entity
from app.models.types import partial_date_check

if TYPE_CHECKING:
    from app.models.place import Place


class Organisation(Entity):
    __tablename__ = "organisation"
    __table_args__: tuple[Any, ...] = (
        partial_date_check("founding_date"),
        partial_date_check("dissolution_date"),
    )

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    classification: Mapped[str | None] = mapped_column(String(200), index=True)
    founding_date: Mapped[str | None] = mapped_column(String(10), index=True)
    dissolution_date: Mapped[str | None] = mapped_column(String(10))
    headquarters_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("place.id", ondelete="SET NULL"), index=True
    )
    website: Mapped[str | None] = mapped_column(String(500))
    political_position: Mapped[str | None] = mapped_column(String(200))
    colours: Mapped[str | None] = mapped_column(Text)

    headquarters: Mapped[Place | None] = relationship(foreign_keys=[headquarters_id])

    __mapper_args__ = {"polymorphic_identity": "organisation"}
