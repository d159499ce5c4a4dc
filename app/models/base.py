"""Declarative base with a naming convention, so constraint names are the same on
SQLite and PostgreSQL and migrations can address them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 120
FACT_ID_LENGTH = 40
DOCUMENT_ID_LENGTH = 64
NATURAL_KEY_LENGTH = 400
CURATOR_LENGTH = 120


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OwnedMixin:
    """A row that records its origin: the document whose seed owns it, or NULL for a
    row made another way (curation through the API, a synthetic generator). ``kb
    seed`` inserts, updates and deletes only the rows of its own document."""

    @declared_attr
    def document_id(cls) -> Mapped[str | None]:
        return mapped_column(
            String(DOCUMENT_ID_LENGTH),
            ForeignKey("document.id", ondelete="RESTRICT"),
            index=True,
        )

    @declared_attr
    def curated_by(cls) -> Mapped[str | None]:
        """The API key (its name) that last edited this row through the curation API;
        NULL while only its document's seed wrote it. ``kb seed`` does not overwrite a
        curated row of its own document: it reports the conflict (app.seed.loader)."""
        return mapped_column(String(CURATOR_LENGTH))


class FactMixin(OwnedMixin):
    """A fact row: an opaque id that never changes once given, and the natural key the
    seed matches it on, so editing a value (a date, a qualifier) keeps the id."""

    id: Mapped[str] = mapped_column(String(FACT_ID_LENGTH), primary_key=True)
    natural_key: Mapped[str | None] = mapped_column(String(NATURAL_KEY_LENGTH))
