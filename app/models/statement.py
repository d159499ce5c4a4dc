from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocabulary import LANGS, PROPERTY_IDS, STATEMENT_QUALIFIERS, VALUE_TYPES
from app.models.base import ID_LENGTH, Base, FactMixin
from app.models.types import one_of_check, partial_date_check

if TYPE_CHECKING:
    from app.models.entity import Entity

# Each value type fills its own columns and no other.
_VALUE_SHAPE = (
    "(value_type = 'entity' AND value_entity_id IS NOT NULL AND value_text IS NULL"
    " AND value_date IS NULL AND value_amount IS NULL)"
    " OR (value_type = 'text' AND value_text IS NOT NULL AND value_entity_id IS NULL"
    " AND value_date IS NULL AND value_amount IS NULL)"
    " OR (value_type = 'date' AND value_date IS NOT NULL AND value_entity_id IS NULL"
    " AND value_text IS NULL AND value_amount IS NULL)"
    " OR (value_type = 'quantity' AND value_amount IS NOT NULL AND value_entity_id IS NULL"
    " AND value_text IS NULL AND value_date IS NULL)"
)


class Statement(FactMixin, Base):
    """A general typed fact, as in Wikibase: subject, property, value, with dates and
    a qualifier. ``inferred`` marks a value the text implies but does not state."""

    __tablename__ = "statement"
    __table_args__: tuple[Any, ...] = (
        UniqueConstraint("document_id", "natural_key"),
        one_of_check("property", PROPERTY_IDS),
        one_of_check("value_type", VALUE_TYPES),
        one_of_check("value_lang", LANGS),
        one_of_check("qualifier", STATEMENT_QUALIFIERS),
        CheckConstraint(_VALUE_SHAPE, name="value_shape"),
        partial_date_check("value_date"),
        partial_date_check("start_date"),
        partial_date_check("end_date"),
        Index("ix_statement_property_subject_id", "property", "subject_id"),
        Index("ix_statement_property_value_text", "property", "value_text"),
    )

    subject_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    property: Mapped[str] = mapped_column(String(64))
    value_type: Mapped[str] = mapped_column(String(16))
    value_entity_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    value_text: Mapped[str | None] = mapped_column(Text)
    value_lang: Mapped[str | None] = mapped_column(String(16))
    value_date: Mapped[str | None] = mapped_column(String(10))
    value_amount: Mapped[float | None] = mapped_column(Float)
    value_unit: Mapped[str | None] = mapped_column(String(50))
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))
    qualifier: Mapped[str | None] = mapped_column(String(32))
    inferred: Mapped[bool] = mapped_column(Boolean, server_default=false())

    subject: Mapped[Entity] = relationship(foreign_keys=[subject_id], lazy="raise")
