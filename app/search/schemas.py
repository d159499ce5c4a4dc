from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityTypeName, ReadModel


class MatchedName(ReadModel):
    """The name or alias that matched the query."""

    name: str = Field(examples=["СДК"])
    lang: str = Field(examples=["ru-Cyrl"])
    kind: Literal["official", "former", "abbreviation", "romanization", "translation", "other"]


class SearchHit(ReadModel):
    id: str = Field(examples=["socialist-movement-of-kazakhstan"])
    type: EntityTypeName
    name: str = Field(description="The entity's name (as of `as_of` when given).")
    score: float = Field(
        ge=0,
        le=1,
        description="1 exact, 0.95 same words in another order, 0.6–0.9 word prefixes, "
        "below 0.6 fuzzy (see docs/search.md).",
    )
    matched: MatchedName
