from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ID_LENGTH, Base, FactMixin

if TYPE_CHECKING:
    from app.models.citation import Citation

# Each source supports exactly one fact row: an exclusive arc of foreign keys,
# so the database enforces that every supported row exists.
FACT_COLUMNS = (
    "entity_id",
    "alias_id",
    "membership_id",
    "relation_id",
    "participation_id",
    "event_place_id",
    "event_figure_id",
    "claim_id",
    "statement_id",
)


def _fact_index(column: str) -> Index:
    """Partial: each fact column is NULL in all rows but the ones of its own kind, and a
    full index would tell the planner (after ANALYZE) that a lookup returns a seventh
    of the table, so SQLite would scan instead of using it."""
    condition = text(f"{column} IS NOT NULL")
    return Index(f"ix_source_{column}", column, sqlite_where=condition, postgresql_where=condition)


_ONE_FACT = " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in FACT_COLUMNS) + " = 1"


class Source(FactMixin, Base):
    """Evidence for one fact: the citation and the verbatim words of the article."""

    __tablename__ = "source"
    __table_args__ = (
        CheckConstraint(_ONE_FACT, name="exactly_one_fact"),
        UniqueConstraint("document_id", "natural_key"),
        *(_fact_index(column) for column in FACT_COLUMNS),
    )

    citation_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("citation.id", ondelete="RESTRICT"), index=True
    )
    quote: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("entity.id", ondelete="CASCADE")
    )
    alias_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("alias.id", ondelete="CASCADE")
    )
    membership_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("membership.id", ondelete="CASCADE")
    )
    relation_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("relation.id", ondelete="CASCADE")
    )
    participation_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("participation.id", ondelete="CASCADE")
    )
    event_place_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("event_place.id", ondelete="CASCADE")
    )
    event_figure_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("event_figure.id", ondelete="CASCADE")
    )
    claim_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("claim.id", ondelete="CASCADE")
    )
    statement_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("statement.id", ondelete="CASCADE")
    )

    citation: Mapped[Citation] = relationship(lazy="raise")
