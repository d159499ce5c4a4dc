from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH
from app.models.entity import Entity
from app.models.types import partial_date_check


class Person(Entity):
    __tablename__ = "person"
    __table_args__: tuple[Any, ...] = (
        partial_date_check("birth_date"),
        partial_date_check("death_date"),
    )

    id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    birth_date: Mapped[str | None] = mapped_column(String(10))
    death_date: Mapped[str | None] = mapped_column(String(10))

    __mapper_args__ = {"polymorphic_identity": "person"}
