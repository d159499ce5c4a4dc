"""Each entity type's own table, in one place: the seed's rows, the body loader and the
read models all derive a type's fields from these tables' columns, so a new field is
declared once per layer (column, data-contract field, read-model field) and listed
nowhere else. A column ending in ``_id`` with a foreign key is a reference to another
entity (``headquarters_id`` is served as ``headquarters``)."""

from __future__ import annotations

from sqlalchemy import Column, Table

from app.core.vocabulary import EntityType
from app.models.concept import Concept
from app.models.event import Event
from app.models.organisation import Organisation
from app.models.person import Person
from app.models.place import Place

SUBTYPE_TABLES: dict[EntityType, Table] = {
    "organisation": Organisation.__table__,  # type: ignore[dict-item]
    "person": Person.__table__,  # type: ignore[dict-item]
    "event": Event.__table__,  # type: ignore[dict-item]
    "place": Place.__table__,  # type: ignore[dict-item]
    "concept": Concept.__table__,  # type: ignore[dict-item]
}


def subtype_columns(entity_type: EntityType) -> list[Column[object]]:
    """The type's own columns, without the shared id."""
    return [c for c in SUBTYPE_TABLES[entity_type].columns if c.name != "id"]


def field_name(column: Column[object]) -> str:
    """The name of the column's field in records and bodies."""
    return column.name.removesuffix("_id") if column.foreign_keys else column.name
