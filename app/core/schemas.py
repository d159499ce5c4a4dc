"""Shared response types: entity references and sources."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.core.vocabulary import EntityType

EntityTypeName = EntityType


class ReadModel(BaseModel):
    # Every field is always sent (null when empty), so the schema marks every field
    # required: a generated client gets `str | None`, not `str | None | Unset`.
    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


class EntityRef(ReadModel):
    """A reference to another entity inside a body."""

    id: str = Field(examples=["ainur-kurmanov"])
    type: EntityTypeName
    name: str = Field(examples=["Ainur Kurmanov"])


class SourceRead(ReadModel):
    """Evidence for a fact: the citation the article attaches and the article's own words."""

    citation: str = Field(description="`ref-N` or `article`.", examples=["ref-3"])
    quote: str = Field(description="Verbatim text of the article stating the fact.")
