from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityTypeName, ReadModel

MatchField = Literal["name", "description", "statement", "relation"]


class MatchedWord(ReadModel):
    word: str = Field(description="A word of the query, as typed.", examples=["Tokayev"])
    field: MatchField = Field(
        description="Where it was found: a `name` or alias, the entity's `description`, "
        "a `statement` (a text value, or the name of the entity a statement points at), "
        "or the name of an entity a `relation` points at.",
        examples=["name"],
    )


class MatchedName(ReadModel):
    """The name or alias that matched the query, and where each query word was found."""

    name: str = Field(
        description="The name or alias that matched (for a match found only outside "
        "the names, the entity's own name).",
        examples=["СДК"],
    )
    lang: str = Field(examples=["ru-Cyrl"])
    kind: Literal["official", "former", "abbreviation", "romanization", "translation", "other"]
    field: MatchField = Field(
        default="name",
        description="`name` for every full match (the name holds every word of the query, "
        "or every word outside a parenthesised disambiguator); for a partial match, the "
        "weakest place one of its words was found in (name, then description, "
        "statement, relation).",
        examples=["name"],
    )
    words: list[MatchedWord] = Field(
        default_factory=list,
        description="The query's words that matched, in query order, each with where it "
        "was found. A partial match leaves out common words (of, the, and, ...).",
    )
    unmatched: list[str] = Field(
        default_factory=list,
        description="The query's words that a partial match lacks (empty for a full match).",
        examples=[[]],
    )


class SearchHit(ReadModel):
    id: str = Field(examples=["socialist-movement-of-kazakhstan"])
    type: EntityTypeName
    name: str = Field(description="The entity's name (as of `as_of` when given).")
    score: float = Field(
        ge=0,
        le=1,
        description="1 exact, 0.95 same words in another order, 0.6–0.9 word prefixes, "
        "0.4425–0.59 fuzzy, below 0.44 partial: only some of the query's words, or words "
        "found in a description, statement or related name (see docs/search.md).",
    )
    matched: MatchedName
