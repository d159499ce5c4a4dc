from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import ID_LENGTH, Base
from app.models.search_name import KeyString
from app.models.types import one_of_check

# Where a word of an entity comes from, beyond its names (app.search.index).
SEARCH_WORD_FIELDS = ("description", "statement", "relation")


class SearchWord(Base):
    """One word of what the knowledge base says about an entity besides its names.

    Derived by ``app.search.index.reindex`` from the entity's ``description``
    (field ``description``), its statements' text values and the names of their
    entity values (``statement``), and the names of the entities its relations point
    at (``relation``). One row per entity and word, under the first of those fields
    that holds it; a word of one of the entity's own names has no row here (the name
    tables already hold it). ``token`` is a word skeleton (app.core.names), as in
    ``search_token``; ``entity_type`` and ``weight`` are copied from the entity for
    filtering and ranking without a join.
    """

    __tablename__ = "search_word"
    __table_args__: tuple[Any, ...] = (
        one_of_check("field", SEARCH_WORD_FIELDS),
        Index("ix_search_word_token", "token"),
    )

    entity_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(KeyString, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    field: Mapped[str] = mapped_column(String(16))
    weight: Mapped[int] = mapped_column(Integer)
