from __future__ import annotations

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel
from app.core.vocabulary import EntityType, ValueType
from app.provenance.schemas import StatementRead


class PropertyRead(ReadModel):
    """One property of the statement vocabulary."""

    id: str = Field(examples=["ideology"])
    label: str = Field(examples=["ideology"])
    description: str
    value_types: list[ValueType] = Field(description="What a value of this property may be.")
    subject_types: list[EntityType] = Field(description="Which entities may have it.")


class StatementWithSubject(StatementRead):
    """A statement and the entity it is about."""

    subject: EntityRef
