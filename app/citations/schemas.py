from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel

FactKind = Literal[
    "entity",
    "alias",
    "membership",
    "relation",
    "participation",
    "event_place",
    "event_figure",
    "claim",
    "statement",
]


class CitationRead(ReadModel):
    id: str = Field(examples=["ref-3"])
    number: int | None = Field(
        description="The reference's number in the article; null for `article`."
    )
    title: str
    title_en: str | None = Field(description="English translation where the title is not English.")
    language: str | None = Field(description="Language of the cited work (ISO 639-1).")
    publisher: str | None
    author: str | None
    volume: str | None
    issue: str | None
    published_date: str | None
    retrieved_date: str | None
    archive_date: str | None
    url: str | None


class CitedFact(ReadModel):
    """A fact that cites this reference, with the words of the article that state it."""

    fact: FactKind = Field(description="Which kind of fact: an entity itself, an alias, ...")
    entity: EntityRef = Field(description="The entity the fact is about.")
    related: list[EntityRef] = Field(description="Other entities the fact involves.")
    statement: str = Field(description="The fact in one line.")
    quote: str


class CitationDetail(CitationRead):
    cited_by: list[CitedFact]
