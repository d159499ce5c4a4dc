from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocabulary import ENTITY_TYPES
from app.models.base import ID_LENGTH, Base, OwnedMixin
from app.models.types import one_of_check

if TYPE_CHECKING:
    from app.models.alias import Alias
    from app.models.claim import Claim
    from app.models.source import Source


class Entity(OwnedMixin, Base):
    """Every organisation, person, event and place: one id space, one table to refer to.

    The subtype tables (organisation, person, event, place) hold the fields only
    that type has; joined-table inheritance loads both in one SELECT.
    """

    __tablename__ = "entity"
    __table_args__: tuple[Any, ...] = (
        one_of_check("type", ENTITY_TYPES),
        Index("ix_entity_type_name", "type", "name"),
        Index("ix_entity_type_id", "type", "id"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(500), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    # +1 on every change to the entity's body (its fields, facts or their sources).
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.current_timestamp()
    )

    aliases: Mapped[list[Alias]] = relationship(
        back_populates="entity", order_by="Alias.id", cascade="all, delete-orphan"
    )
    claims: Mapped[list[Claim]] = relationship(order_by="Claim.id", cascade="all, delete-orphan")
    sources: Mapped[list[Source]] = relationship(
        primaryjoin="Entity.id == Source.entity_id", order_by="Source.id", viewonly=True
    )

    __mapper_args__ = {"polymorphic_on": "type"}
