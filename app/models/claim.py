from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base, FactMixin


class Claim(FactMixin, Base):
    """One of several values that sources give for a disputed field of an entity."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("document_id", "natural_key"),)

    entity_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(Text)
    # The value the entity's plain field holds (the best-supported claim).
    preferred: Mapped[bool] = mapped_column(Boolean)
