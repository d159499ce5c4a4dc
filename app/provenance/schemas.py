"""Fact bodies shared by every entity type; each carries its sources."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel, SourceRead


class AliasRead(ReadModel):
    name: str
    lang: str = Field(description="BCP 47 tag with script: en, kk-Cyrl, kk-Latn, ru-Cyrl, ru-Latn.")
    kind: Literal["official", "former", "abbreviation", "romanization", "translation", "other"]
    start_date: str | None = None
    end_date: str | None = None
    sources: list[SourceRead]


class ClaimRead(ReadModel):
    value: str
    sources: list[SourceRead]


class MembershipOfPerson(ReadModel):
    """On an organisation: who held which role there."""

    person: EntityRef
    role: str
    start_date: str | None = None
    end_date: str | None = None
    sources: list[SourceRead]


class MembershipInOrganisation(ReadModel):
    """On a person: which role they held where."""

    organisation: EntityRef
    role: str
    start_date: str | None = None
    end_date: str | None = None
    sources: list[SourceRead]


class RelationRead(ReadModel):
    relation: str = Field(description="Verb: section_of, member_of, merged_into, split_from, ...")
    direction: Literal["outgoing", "incoming"] = Field(
        description="`outgoing`: this entity RELATION target; `incoming`: target RELATION this entity."
    )
    target: EntityRef
    start_date: str | None = None
    end_date: str | None = None
    sources: list[SourceRead]


class EventParticipationRead(ReadModel):
    """On an organisation, person or place: an event it took part in."""

    event: EntityRef
    role: str
    start_date: str | None = None
    sources: list[SourceRead]


class ParticipantRead(ReadModel):
    entity: EntityRef
    role: str
    sources: list[SourceRead]


class EventPlaceRead(EntityRef):
    """A place where the event happened, with the evidence for it."""

    sources: list[SourceRead]


class FigureRead(ReadModel):
    measure: str = Field(examples=["people_killed"])
    value: float = Field(examples=[227])
    qualifier: Literal["exactly", "more_than", "at_least", "about", "at_most", "less_than"]
    unit: str | None = None
    sources: list[SourceRead]


class AsOfRead(ReadModel):
    """Present when the request gave ``?as_of=``."""

    date: str
    existed: bool | None = Field(
        description="Whether the entity existed then; null when the knowledge base has no dates for it."
    )
    note: str | None = Field(description="Why it did not exist then, or what is unknown.")


class EntityBase(ReadModel):
    id: str
    name: str
    description: str | None = None
    aliases: list[AliasRead]
    sources: list[SourceRead]
    disputed: dict[str, list[ClaimRead]] = Field(
        description="Fields whose sources disagree: every value with its own sources. "
        "The plain field holds the best-supported value."
    )
    relations: list[RelationRead]
    as_of: AsOfRead | None = Field(
        default=None, description="The date the body is given as of, when `?as_of=` was sent."
    )
