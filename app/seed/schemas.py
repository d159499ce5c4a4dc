"""The data contract: Pydantic models in front of every data file.

Parsed records (from ``app.ingest``) and curated YAML records (``data/curated``)
are both expressed in these models; ``app.seed.dataset`` merges them by id and
checks the cross-references. Unknown keys are rejected so that a misspelt field
in a YAML file is an error, not a silently dropped fact.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.dates import PartialDate

EntityType = Literal["organisation", "person", "event", "place"]
ENTITY_TYPES: tuple[EntityType, ...] = ("organisation", "person", "event", "place")

Lang = Literal["en", "kk-Cyrl", "kk-Latn", "ru-Cyrl", "ru-Latn", "uk-Cyrl", "uk-Latn"]
LANGS: tuple[str, ...] = Lang.__args__  # type: ignore[attr-defined]

AliasKind = Literal["official", "former", "abbreviation", "romanization", "translation", "other"]
ALIAS_KINDS: tuple[str, ...] = AliasKind.__args__  # type: ignore[attr-defined]

Qualifier = Literal["exactly", "more_than", "at_least", "about", "at_most", "less_than"]
QUALIFIERS: tuple[str, ...] = Qualifier.__args__  # type: ignore[attr-defined]

RelationVerb = Literal[
    "section_of",
    "member_of",
    "participant_in",
    "merged_into",
    "split_from",
    "successor_of",
    "renamed_from",
    "affiliated_with",
    "supported",
    "opposed",
    "accused",
    "part_of",
    "led_by",
    "publishes",
    "remnant_of",
    "controlled_by",
    "claims_continuation_of",
    "founded_by",
    "named_after",
    "located_in",
    "criticised",
    "replaced",
    "dismissed",
    "edited_by",
    "created_by_merger_of",
]
RELATION_VERBS: tuple[str, ...] = RelationVerb.__args__  # type: ignore[attr-defined]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
CitationId = Annotated[str, StringConstraints(pattern=r"^(article|ref-[1-9][0-9]*)$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRecord(Record):
    """One piece of evidence: the reference the article attaches, and its verbatim words."""

    citation: CitationId
    quote: NonEmpty


Sources = Annotated[list[SourceRecord], Field(min_length=1)]


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


class PlaceRecord(EntityRecord):
    classification: NonEmpty | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    part_of: Slug | None = None


class EventPlaceRecord(Record):
    place: Slug
    sources: Sources


class ParticipantRecord(Record):
    entity: Slug
    role: NonEmpty
    sources: Sources


class FigureRecord(Record):
    measure: NonEmpty
    value: float
    qualifier: Qualifier
    unit: NonEmpty | None = None
    sources: Sources


class EventRecord(EntityRecord):
    classification: NonEmpty | None = None
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    places: list[EventPlaceRecord] = []
    participants: list[ParticipantRecord] = []
    figures: list[FigureRecord] = []


class MembershipRecord(Record):
    person: Slug
    organisation: Slug
    role: NonEmpty
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
    sources: Sources


class RelationRecord(Record):
    subject: Slug
    relation: RelationVerb
    object: Slug
    start_date: PartialDate | None = None
    end_date: PartialDate | None = None
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


AnyEntityRecord = OrganisationRecord | PersonRecord | PlaceRecord | EventRecord

RECORD_BY_TYPE: dict[EntityType, type[EntityRecord]] = {
    "organisation": OrganisationRecord,
    "person": PersonRecord,
    "event": EventRecord,
    "place": PlaceRecord,
}
