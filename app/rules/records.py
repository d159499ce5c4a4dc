"""The data contract: Pydantic models in front of every data file.

Parsed records (from ``app.ingest``) and curated YAML records (``data/curated``)
are both expressed in these models; ``app.seed.dataset`` merges them by id and
checks the cross-references. Unknown keys are rejected so that a misspelt field
in a YAML file is an error, not a silently dropped fact.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.dates import PartialDate
from app.core.vocabulary import (
    ALIAS_KINDS,
    ENTITY_TYPES,
    LANGS,
    QUALIFIERS,
    RELATION_VERBS,
    AliasKind,
    EntityType,
    Lang,
    Qualifier,
    RelationVerb,
    StatementQualifier,
)

__all__ = [
    "ALIAS_KINDS",
    "ENTITY_TYPES",
    "LANGS",
    "QUALIFIERS",
    "RELATION_VERBS",
    "AliasKind",
    "EntityType",
    "Lang",
    "Qualifier",
    "RelationVerb",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
# ``article``, the article's numbered references, and sources added through the API.
CitationId = Annotated[
    str, StringConstraints(pattern=r"^(article|ref-[1-9][0-9]*|src-[1-9][0-9]*)$")
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRecord(Record):
    """One piece of evidence: the reference the article attaches, and its verbatim words."""

    citation: CitationId
    quote: NonEmpty


Sources = Annotated[list[SourceRecord], Field(min_length=1)]
# An explicit natural key: the seed matches a stored fact to its record by this key
# (by default derived from the fields that identify the fact), so a fact keeps its
# id when a value that is not part of its key is edited.
FactKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=200)]
Inferred = Annotated[bool, Field(description="The text implies the value but does not state it.")]


class AliasRecord(Record):
    name: NonEmpty
    lang: Lang
    kind: AliasKind
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    sources: Sources


class ClaimRecord(Record):
    """One of several values that sources give for the same field."""

    value: NonEmpty
    sources: Sources


class EntityRecord(Record):
    """Fields every entity has. ``name`` and ``description`` may come from the parser
    instead of the curated file; the merged record must have a name."""

    id: Slug
    name: NonEmpty | None = None
    description: NonEmpty | None = None
    sources: list[SourceRecord] = []
    aliases: list[AliasRecord] = []
    disputed: dict[str, list[ClaimRecord]] = {}


class OrganisationRecord(EntityRecord):
    classification: NonEmpty | None = None
    founding_date: PartialDate | None = None
    dissolution_date: PartialDate | None = None
    headquarters: Slug | None = None
    website: NonEmpty | None = None
    political_position: NonEmpty | None = None
    colours: NonEmpty | None = None


class PersonRecord(EntityRecord):
    birth_date: PartialDate | None = None
    death_date: PartialDate | None = None


class ConceptRecord(EntityRecord):
    """An abstract thing a statement can point at: an ideology, a doctrine."""

    classification: NonEmpty | None = None


class PlaceRecord(EntityRecord):
    classification: NonEmpty | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    part_of: Slug | None = None


class EventPlaceRecord(Record):
    place: Slug
    sources: Sources


class ParticipantRecord(Record):
    key: FactKey | None = None
    entity: Slug
    role: NonEmpty
    inferred: Inferred = False
    sources: Sources


class FigureRecord(Record):
    key: FactKey | None = None
    measure: NonEmpty
    value: float
    qualifier: Qualifier
    unit: NonEmpty | None = None
    # Who gives the figure, in the article's words ("Kazakh officials").
    according_to: NonEmpty | None = None
    inferred: Inferred = False
    sources: Sources


class EventRecord(EntityRecord):
    classification: NonEmpty | None = None
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    places: list[EventPlaceRecord] = []
    participants: list[ParticipantRecord] = []
    figures: list[FigureRecord] = []


class MembershipRecord(Record):
    key: FactKey | None = None
    person: Slug
    organisation: Slug
    role: NonEmpty
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class RelationRecord(Record):
    key: FactKey | None = None
    subject: Slug
    relation: RelationVerb
    object: Slug
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    inferred: Inferred = False
    sources: Sources


class StatementValueRecord(Record):
    """Exactly one of: ``entity`` (an id), ``text`` (with ``lang``), ``date`` (partial
    ISO), ``amount`` (with an optional ``unit``)."""

    entity: Slug | None = None
    text: NonEmpty | None = None
    lang: Lang | None = None
    date: PartialDate | None = None
    amount: float | None = None
    unit: NonEmpty | None = None

    @model_validator(mode="after")
    def _one_value(self) -> StatementValueRecord:
        given = [k for k in ("entity", "text", "date", "amount") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a value needs exactly one of entity, text, date or amount; got "
                + (", ".join(given) or "none")
            )
        if self.lang is not None and self.text is None:
            raise ValueError("lang goes with a text value only")
        if self.unit is not None and self.amount is None:
            raise ValueError("unit goes with an amount only")
        return self

    @property
    def value_type(self) -> str:
        if self.entity is not None:
            return "entity"
        if self.text is not None:
            return "text"
        if self.date is not None:
            return "date"
        return "quantity"


class StatementRecord(Record):
    """A general typed fact, as in Wikibase: subject, property, value."""

    key: FactKey
    subject: Slug
    property: NonEmpty
    value: StatementValueRecord
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    qualifier: StatementQualifier | None = None
    inferred: Inferred = False
    sources: Sources


class CitationRecord(Record):
    id: CitationId
    number: int | None = None
    title: NonEmpty
    title_en: NonEmpty | None = None
    language: NonEmpty | None = None
    publisher: NonEmpty | None = None
    author: NonEmpty | None = None
    volume: NonEmpty | None = None
    issue: NonEmpty | None = None
    published_date: PartialDate | None = None
    retrieved_date: PartialDate | None = None
    archive_date: PartialDate | None = None
    url: NonEmpty | None = None


class CitationTranslationRecord(Record):
    """Curated English renderings of non-English reference titles."""

    id: CitationId
    title_en: NonEmpty


AnyEntityRecord = OrganisationRecord | PersonRecord | PlaceRecord | EventRecord | ConceptRecord

RECORD_BY_TYPE: dict[EntityType, type[EntityRecord]] = {
    "organisation": OrganisationRecord,
    "person": PersonRecord,
    "event": EventRecord,
    "place": PlaceRecord,
    "concept": ConceptRecord,
}
