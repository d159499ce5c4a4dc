from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import FACT_ID_LENGTH, ID_LENGTH, Base
from app.models.types import partial_date_check

# Byte-wise collation on PostgreSQL, so that prefix ranges (key >= 'kur' AND
# key < 'kur{') use the B-tree whatever the database's locale; SQLite's default
# collation is already byte-wise.
KeyString = String(500).with_variant(String(500, collation="C"), "postgresql")


class SearchName(Base):
    """Every name of every entity (its own name and each alias) with its search keys.

    Derived at seed time from ``entity`` and ``alias``; ``key`` is the spelling-
    insensitive skeleton (app.core.names), ``sorted_key`` the same with its words
    sorted, ``weight`` how much the knowledge base knows about the entity (the
    number of sources of its facts), used to break ties in ranking.
    """

    __tablename__ = "search_name"
    __table_args__: tuple[Any, ...] = (
        partial_date_check("start_date"),
        partial_date_check("end_date"),
        Index("ix_search_name_key", "key"),
        Index("ix_search_name_sorted_key", "sorted_key"),
    )

    id: Mapped[str] = mapped_column(String(FACT_ID_LENGTH), primary_key=True)
    entity_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE"), index=True
    )
    entity_type: Mapped[str] = mapped_column(String(16))
    alias_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("alias.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(KeyString)
    sorted_key: Mapped[str] = mapped_column(KeyString)
    weight: Mapped[int] = mapped_column(Integer)


class SearchToken(Base):
    """One word of a search name's key, for word-prefix matching through a B-tree."""

    __tablename__ = "search_token"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    search_name_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("search_name.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(KeyString, index=True)
