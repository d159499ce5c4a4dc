from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocabulary import RELATION_VERBS
from app.models.base import ID_LENGTH, Base, FactMixin
from app.models.types import one_of_check, partial_date_check

if TYPE_CHECKING:
    from app.models.entity import Entity


class Relation(FactMixin, Base):
    """A directed, possibly dated statement between two entities: subject VERB object."""

    __tablename__ = "relation"
    __table_args__ = (
        UniqueConstraint("document_id", "natural_key"),
        one_of_check("relation", RELATION_VERBS),
        partial_date_check("start_date"),
        partial_date_check("end_date"),
    )

    subject_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))
    inferred: Mapped[bool] = mapped_column(Boolean, server_default=false())

    subject: Mapped[Entity] = relationship(foreign_keys=[subject_id], lazy="raise")
    object: Mapped[Entity] = relationship(foreign_keys=[object_id], lazy="raise")
