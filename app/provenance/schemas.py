"""The read models of entity bodies: every fact with its sources, every type's fields.

They live here, below the feature packages, because bodies are assembled here
(``app.provenance.service``) and the change log stores them; each feature's
``schemas.py`` re-exports its own."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel, SourceRead
from app.core.vocabulary import AliasKind, Qualifier, StatementQualifier

FactId = Annotated[
    str,
    Field(
        description="Stable id of this fact: it survives edits of the fact's values.",
        examples=["rl_3f1c0a9e2b7d4c6e8a1b2c3d"],
    ),
]
Inferred = Annotated[bool, Field(description="The text implies this value but does not state it.")]


class AliasRead(ReadModel):
    id: FactId
    name: str
    lang: str = Field(
        description="BCP 47 tag with script: en, kk-Cyrl, kk-Latn, ru-Cyrl, ru-Latn; "
        "und-Cyrl / und-Latn where the article does not state the language."
    )
    kind: AliasKind
    start_date: str | None = None
    end_date: str | None = None
    sources: list[SourceRead]


class ClaimRead(ReadModel):
    id: FactId
    value: str
    sources: list[SourceRead]


class MembershipOfPerson(ReadModel):
    """On an organisation: who held which role there."""

    id: FactId
    person: EntityRef
    role: str
    start_date: str | None = None
    end_date: str | None = None
    inferred: Inferred = False
    sources: list[SourceRead]


class MembershipInOrganisation(ReadModel):
    """On a person: which role they held where."""

    id: FactId
    organisation: EntityRef
    role: str
    start_date: str | None = None
    end_date: str | None = None
    inferred: Inferred = False
    sources: list[SourceRead]


class RelationRead(ReadModel):
    id: FactId
    relation: str = Field(description="Verb: section_of, member_of, merged_into, split_from, ...")
    direction: Literal["outgoing", "incoming"] = Field(
        description="`outgoing`: this entity RELATION target; `incoming`: target RELATION this entity."
    )
    target: EntityRef
    start_date: str | None = None
    end_date: str | None = None
    inferred: Inferred = False
    sources: list[SourceRead]


class EventParticipationRead(ReadModel):
    """On an organisation, person or place: an event it took part in."""

    id: FactId
    event: EntityRef
    role: str
    start_date: str | None = None
    inferred: Inferred = False
    sources: list[SourceRead]


class ParticipantRead(ReadModel):
    id: FactId
    entity: EntityRef
    role: str
    inferred: Inferred = False
    sources: list[SourceRead]


class EventPlaceRead(EntityRef):
    """A place where the event happened, with the evidence for it."""

    fact_id: FactId
    sources: list[SourceRead]


class FigureRead(ReadModel):
    id: FactId
    measure: str = Field(examples=["people_killed"])
    value: float = Field(examples=[227])
    qualifier: Qualifier
    unit: str | None = None
    according_to: str | None = Field(
        default=None,
        description="Who gives the figure, in the article's words.",
        examples=["Kazakh officials"],
    )
    inferred: Inferred = False
    sources: list[SourceRead]


class StatementValueRead(ReadModel):
    """The value, typed: `entity`, `text` (with `lang`), `date` (partial ISO) or
    `quantity` (`amount` with an optional `unit`)."""

    type: Literal["entity", "text", "date", "quantity"]
    entity: EntityRef | None = None
    text: str | None = None
    lang: str | None = None
    date: str | None = None
    amount: float | None = None
    unit: str | None = None


class StatementRead(ReadModel):
    """A general typed fact (as in Wikibase): property and value, with dates and hedges."""

    id: FactId
    property: str = Field(description="An id from `GET /v1/properties`.", examples=["ideology"])
    value: StatementValueRead
    start_date: str | None = None
    end_date: str | None = None
    qualifier: StatementQualifier | None = Field(
        default=None,
        description="How the article hedges the statement: former, reportedly, attributed, "
        "in_part, planned, claimed, more_than, at_least, about.",
    )
    inferred: Inferred = False
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
    version: int = Field(description="+1 on every change to the entity or its facts.", examples=[1])
    updated_at: dt.datetime = Field(description="When the current version was written (UTC).")
    aliases: list[AliasRead]
    sources: list[SourceRead]
    disputed: dict[str, list[ClaimRead]] = Field(
        description="Fields whose sources disagree: every value with its own sources. "
        "The plain field holds the best-supported value."
    )
    relations: list[RelationRead]
    statements: list[StatementRead] = Field(
        description="Facts no dedicated field holds: ideology, legal status, demands, "
        "occupations, causes, ... (see `GET /v1/properties`)."
    )
    as_of: AsOfRead | None = Field(
        default=None, description="The date the body is given as of, when `?as_of=` was sent."
    )


class OrganisationRead(EntityBase):
    type: Literal["organisation"]
    classification: str | None = None
    founding_date: str | None = None
    dissolution_date: str | None = None
    headquarters: EntityRef | None = None
    website: str | None = None
    political_position: str | None = None
    colours: str | None = None
    memberships: list[MembershipOfPerson]
    events: list[EventParticipationRead]


class PersonRead(EntityBase):
    type: Literal["person"]
    birth_date: str | None = None
    death_date: str | None = None
    memberships: list[MembershipInOrganisation]
    events: list[EventParticipationRead]


class EventRead(EntityBase):
    type: Literal["event"]
    classification: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    places: list[EventPlaceRead]
    participants: list[ParticipantRead]
    figures: list[FigureRead]


class PlaceRead(EntityBase):
    type: Literal["place"]
    classification: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2, where known.")
    part_of: EntityRef | None = None
    events: list[EventParticipationRead] = Field(description="Events that took place here.")


class ConceptRead(EntityBase):
    """An abstract thing statements point at: an ideology, a doctrine."""

    type: Literal["concept"]
    classification: str | None = Field(default=None, examples=["ideology"])


AnyEntityRead = OrganisationRead | PersonRead | EventRead | PlaceRead | ConceptRead
EntityRead = Annotated[AnyEntityRead, Field(discriminator="type")]
READ_MODELS: dict[str, type[AnyEntityRead]] = {
    "organisation": OrganisationRead,
    "person": PersonRead,
    "event": EventRead,
    "place": PlaceRead,
    "concept": ConceptRead,
}
