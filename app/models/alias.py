from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.vocabulary import ALIAS_KINDS, LANGS
from app.models.base import ID_LENGTH, Base, FactMixin
from app.models.types import one_of_check, partial_date_check

if TYPE_CHECKING:
    from app.models.entity import Entity


class Alias(FactMixin, Base):
    """A name variant of an entity, in one language and script, possibly dated."""

    __tablename__ = "alias"
    __table_args__ = (
        UniqueConstraint("entity_id", "name", "lang", "kind"),
        UniqueConstraint("document_id", "natural_key"),
        one_of_check("lang", LANGS),
        one_of_check("kind", ALIAS_KINDS),
        partial_date_check("start_date"),
        partial_date_check("end_date"),
    )

    entity_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    # Case- and diacritic-folded name: the key the aliases filter and search match on.
    name_key: Mapped[str] = mapped_column(String(500), index=True)
    lang: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))

    entity: Mapped[Entity] = relationship(back_populates="aliases", lazy="raise")
