"""Declarative base with a naming convention, so constraint names are the same on
SQLite and PostgreSQL and migrations can address them."""

from __future__ import annotations

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 120


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class FactMixin:
    """A fact row: a deterministic id derived from its content (see app.seed.rows),
    so reseeding can diff the desired rows against the stored ones by id."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
