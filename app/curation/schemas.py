"""Request bodies of the write API: the data contract's fields (app.rules.records), as a
client sends them. Unknown fields are rejected (422), so a misspelt field is an error,
not a silently dropped fact."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.core.dates import PartialDate
from app.core.vocabulary import EntityType, Qualifier, RelationVerb, StatementQualifier
from app.rules.records import (
    AliasRecord,
    Inferred,
    NonEmpty,
    Record,
    Slug,
    Sources,
    StatementValueRecord,
)

Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["KZ"])]


class AliasWrite(AliasRecord):
    """A name variant with its sources."""


class EntityWrite(Record):
    name: NonEmpty = Field(description="Preferred English name; the id is its slug.")
    description: NonEmpty | None = None
    sources: Sources = Field(description="At least one: what states that this entity exists.")


class OrganisationWrite(EntityWrite):
    classification: NonEmpty | None = None
    founding_date: PartialDate | None = None
    dissolution_date: PartialDate | None = None
    headquarters: Slug | None = Field(default=None, description="A place id.")
    website: NonEmpty | None = None
    political_position: NonEmpty | None = None
    colours: NonEmpty | None = None


class PersonWrite(EntityWrite):
    birth_date: PartialDate | None = None
    death_date: PartialDate | None = None


class EventWrite(EntityWrite):
    classification: NonEmpty | None = None
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None


class PlaceWrite(EntityWrite):
    classification: NonEmpty | None = None
    country: Country | None = None
    part_of: Slug | None = Field(default=None, description="A place id.")


class ConceptWrite(EntityWrite):
    classification: NonEmpty | None = None


class _WithAliases(Record):
    aliases: list[AliasWrite] = Field(default=[], description="Name variants, each sourced.")


class OrganisationCreate(OrganisationWrite, _WithAliases):
    """A new organisation. Its id is the slug of ``name``, made unique."""


class PersonCreate(PersonWrite, _WithAliases):
    """A new person. Its id is the slug of ``name``, made unique."""


class EventCreate(EventWrite, _WithAliases):
    """A new event. Its id is the slug of ``name``, made unique."""


class PlaceCreate(PlaceWrite, _WithAliases):
    """A new place. Its id is the slug of ``name``, made unique."""


class ConceptCreate(ConceptWrite, _WithAliases):
    """A new concept (an ideology, a doctrine). Its id is the slug of ``name``."""


WRITE_MODELS: dict[EntityType, type[EntityWrite]] = {
    "organisation": OrganisationWrite,
    "person": PersonWrite,
    "event": EventWrite,
    "place": PlaceWrite,
    "concept": ConceptWrite,
}
CREATE_MODELS: dict[EntityType, type[EntityWrite]] = {
    "organisation": OrganisationCreate,
    "person": PersonCreate,
    "event": EventCreate,
    "place": PlaceCreate,
    "concept": ConceptCreate,
}


class ClaimWrite(Record):
    """One of several values sources give for one field (``founding_date``, ...)."""

    field: NonEmpty = Field(examples=["founding_date"])
    value: NonEmpty = Field(examples=["2002"])
    sources: Sources


class StatementWrite(Record):
    property: NonEmpty = Field(description="An id from GET /v1/properties.", examples=["ideology"])
    value: StatementValueRecord
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    qualifier: StatementQualifier | None = None
    inferred: Inferred = False
    sources: Sources


class RelationWrite(Record):
    """An outgoing relation: this entity ``relation`` ``object``."""

    relation: RelationVerb
    object: Slug = Field(description="The entity at the other end.")
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class MembershipOfPersonWrite(Record):
    """On a person: a role held in an organisation."""

    organisation: Slug
    role: NonEmpty = Field(examples=["chairman"])
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class MembershipInOrganisationWrite(Record):
    """On an organisation: a person holding a role in it."""

    person: Slug
    role: NonEmpty = Field(examples=["chairman"])
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class ParticipantWrite(Record):
    """On an event: an entity that took part, and how."""

    entity: Slug
    role: NonEmpty = Field(examples=["organiser"])
    inferred: Inferred = False
    sources: Sources


class FigureWrite(Record):
    """On an event: a counted figure."""

    measure: NonEmpty = Field(examples=["people_killed"])
    value: float
    qualifier: Qualifier = "exactly"
    unit: NonEmpty | None = None
    according_to: NonEmpty | None = None
    inferred: Inferred = False
    sources: Sources


class EventPlaceWrite(Record):
    """On an event: a place where it happened."""

    place: Slug
    sources: Sources


class CitationWrite(Record):
    """A source that is not the article: its id will be ``src-N``."""

    title: NonEmpty
    title_en: NonEmpty | None = None
    url: NonEmpty | None = Field(default=None, examples=["https://example.org/report"])
    publisher: NonEmpty | None = None
    author: NonEmpty | None = None
    language: NonEmpty | None = Field(default=None, examples=["en"])
    published_date: PartialDate | None = None
    retrieved_date: PartialDate | None = None
    archive_date: PartialDate | None = None


class RevertRequest(Record):
    to: int = Field(ge=1, description="The version to go back to.", examples=[1])
