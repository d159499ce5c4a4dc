"""Request bodies of the write API: the data contract's fields (app.rules.records), as a
client sends them. Unknown fields are rejected (422), so a misspelt field is an error,
not a silently dropped fact."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, JsonValue
from pydantic.config import JsonDict

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
# A source every example can cite: the article's own words.
_SOURCE: JsonDict = {"citation": "article", "quote": "Ainur Kurmanov"}


def _example(**fields: JsonValue) -> ConfigDict:
    """A complete, valid request body for the docs' "Try it out" (and the fuzzer)."""
    example: JsonDict = {**fields, "sources": [_SOURCE]}
    return ConfigDict(json_schema_extra={"examples": [example]})


class AliasWrite(AliasRecord):
    """A name variant with its sources."""

    model_config = _example(name="Айнур Курманов", lang="ru-Cyrl", kind="other")


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

    model_config = _example(
        name="Workers Solidarity Fund",
        classification="campaign",
        founding_date="2012",
        headquarters="almaty",
    )


class PersonCreate(PersonWrite, _WithAliases):
    """A new person. Its id is the slug of ``name``, made unique."""

    model_config = _example(name="Anna Petrova", birth_date="1970-05")


class EventCreate(EventWrite, _WithAliases):
    """A new event. Its id is the slug of ``name``, made unique."""

    model_config = _example(name="Zhanaozen solidarity rally", start_date="2012-01")


class PlaceCreate(PlaceWrite, _WithAliases):
    """A new place. Its id is the slug of ``name``, made unique."""

    model_config = _example(name="Temirtau", country="KZ")


class ConceptCreate(ConceptWrite, _WithAliases):
    """A new concept (an ideology, a doctrine). Its id is the slug of ``name``."""

    model_config = _example(name="Syndicalism", classification="ideology")


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

    model_config = _example(field="name", value="Ainur Kurmanov")

    field: NonEmpty = Field(examples=["founding_date"])
    value: NonEmpty = Field(examples=["2002"])
    sources: Sources


class StatementWrite(Record):
    """A typed fact: a property from GET /v1/properties and its value."""

    model_config = _example(property="ideology", value={"entity": "trotskyism"})

    property: NonEmpty = Field(description="An id from GET /v1/properties.", examples=["ideology"])
    value: StatementValueRecord
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    qualifier: StatementQualifier | None = None
    inferred: Inferred = False
    sources: Sources


class RelationWrite(Record):
    """An outgoing relation: this entity ``relation`` ``object``."""

    model_config = _example(relation="affiliated_with", object="socialist-movement-of-kazakhstan")

    relation: RelationVerb
    object: Slug = Field(description="The entity at the other end.")
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class _Role(Record):
    """What a membership states, seen from either end."""

    role: NonEmpty = Field(examples=["chairman"])
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class MembershipOfPersonWrite(_Role):
    """On a person: a role held in an organisation."""

    model_config = _example(organisation="socialist-movement-of-kazakhstan", role="member")

    organisation: Slug


class MembershipInOrganisationWrite(_Role):
    """On an organisation: a person holding a role in it."""

    model_config = _example(person="ainur-kurmanov", role="member")

    person: Slug


class ParticipantWrite(Record):
    """On an event: an entity that took part, and how."""

    model_config = _example(entity="ainur-kurmanov", role="participant")

    entity: Slug
    role: NonEmpty = Field(examples=["organiser"])
    inferred: Inferred = False
    sources: Sources


class FigureWrite(Record):
    """On an event: a counted figure."""

    model_config = _example(measure="people_arrested", value=100, qualifier="more_than")

    measure: NonEmpty = Field(examples=["people_killed"])
    value: float
    qualifier: Qualifier = "exactly"
    unit: NonEmpty | None = None
    according_to: NonEmpty | None = None
    inferred: Inferred = False
    sources: Sources


class EventPlaceWrite(Record):
    """On an event: a place where it happened."""

    model_config = _example(place="almaty")

    place: Slug
    sources: Sources


class CitationWrite(Record):
    """A source that is not the article: its id will be ``src-N``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Strike report",
                    "url": "https://example.org/report",
                    "publisher": "Example Press",
                    "language": "en",
                    "published_date": "2011-12",
                }
            ]
        }
    )

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
    to: int = Field(ge=1, le=2**31 - 1, description="The version to go back to.", examples=[1])
