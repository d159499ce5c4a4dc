"""The properties of reconciliation: what data extension returns and what a query's
``properties`` are compared with. One vocabulary serves both (as the 0.2 spec asks), so
a property a client can fetch is one it can match on, under the same id.

* each entity type's own fields (``founding_date``, ``headquarters``, ``birth_date``,
  ``country``, ...), derived from the subtype tables like the bodies are; a field whose
  sources disagree gives every sourced value, the best-supported first;
* ``type``, ``description``, ``aliases`` (every name) and ``aliases@<lang>`` (the names
  in one language, a BCP 47 tag with script: ``aliases@ru-Cyrl``): one property per
  language rather than a per-property setting, since a client such as OpenRefine applies
  the manifest's settings to every property alike;
* ``chairperson`` (people holding a chair role: chairperson, chairman, chairwoman,
  chair, co-chair) and ``member_of``, from memberships;
* ``country``: a place's own country code, an organisation's headquarters' or an
  event's places';
* every statement property of ``GET /v1/properties`` (``ideology``, ``demand``, ...).

Values are typed (:class:`EntityValue`, :class:`TextValue`, :class:`DateValue`,
:class:`NumberValue`); ``cell`` turns one into the data-extension cell the spec defines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.vocabulary import ENTITY_TYPES, LANGS, PROPERTIES, EntityType
from app.models import Entity, Place
from app.models.subtypes import field_name, subtype_columns
from app.provenance.schemas import (
    AnyEntityRead,
    EventRead,
    OrganisationRead,
    PersonRead,
    PlaceRead,
    StatementRead,
)
from app.provenance.service import load_bodies

TYPE_NAMES: dict[str, str] = {t: t.capitalize() for t in ENTITY_TYPES}
TYPE_DESCRIPTIONS: dict[str, str] = {
    "organisation": "Parties, unions, campaigns, internationals, governments, newspapers.",
    "person": "People, with the roles they held.",
    "event": "Dated events: congresses, strikes, protests, elections, arrests.",
    "place": "Cities, regions and countries.",
    "concept": "Ideologies and doctrines that statements refer to.",
}

# --- Values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityValue:
    id: str
    name: str


@dataclass(frozen=True)
class TextValue:
    text: str
    # Other names of the same value, for matching only: a country code's country.
    same_as: tuple[EntityValue, ...] = ()


@dataclass(frozen=True)
class DateValue:
    date: str  # partial ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD


@dataclass(frozen=True)
class NumberValue:
    number: float


@dataclass(frozen=True)
class TypeValue:
    """An entity's type, with its classification (``political party``) for matching."""

    type: str
    classification: str | None = None


Value = EntityValue | TextValue | DateValue | NumberValue | TypeValue


def cell(value: Value) -> dict[str, Any]:
    """The data-extension cell of a value, as the 0.2 spec defines them: ``{id, name}``
    for an entity, ``{str}`` for text, ``{float}`` for a number, and ``{date}`` (an ISO
    date-time, midnight UTC) for a date known to the day. A date known to the month or
    year only is ``{str}`` with the partial date (``2011-12``): the spec's dates are
    date-times, and padding would invent precision the sources do not give."""
    if isinstance(value, EntityValue):
        return {"id": value.id, "name": value.name}
    if isinstance(value, TextValue):
        return {"str": value.text}
    if isinstance(value, NumberValue):
        return {"float": value.number}
    if isinstance(value, TypeValue):
        return {"str": value.type}
    if len(value.date) == 10:
        return {"date": f"{value.date}T00:00:00Z"}
    return {"str": value.date}


# --- What a batch of entities needs -------------------------------------------------------


@dataclass
class Facts:
    """Everything the properties of a batch of entities are read from: their bodies
    (``load_bodies``) and, when a country is wanted, the country code of every place
    they refer to and the country places themselves."""

    bodies: dict[str, AnyEntityRead]
    place_countries: dict[str, str] = field(default_factory=dict)
    countries: dict[str, list[EntityValue]] = field(default_factory=dict)
    # False: a field whose sources disagree gives its best-supported value only.
    disputed: bool = True


def _places_referred_to(bodies: Iterable[AnyEntityRead]) -> set[str]:
    ids: set[str] = set()
    for body in bodies:
        if isinstance(body, OrganisationRead) and body.headquarters:
            ids.add(body.headquarters.id)
        elif isinstance(body, EventRead):
            ids |= {p.id for p in body.places}
    return ids


def load_facts(session: Session, ids: Collection[str], property_ids: Collection[str]) -> Facts:
    """The facts of a batch, in a fixed number of SELECTs whatever the number of ids:
    ``load_bodies`` (eleven), and one more when ``country`` is wanted."""
    facts = Facts(load_bodies(session, ids))
    if COUNTRY in property_ids and facts.bodies:
        places = _places_referred_to(facts.bodies.values())
        place = Place.__table__.c
        statement = (
            select(place.id, place.country, place.classification, Entity.name)
            .join(Entity.__table__, Entity.id == place.id)
            .where(or_(place.id.in_(places), place.classification == "country"))
        )
        for row in session.execute(statement):
            if row.country and row.id in places:
                facts.place_countries[row.id] = row.country
            if row.country and row.classification == "country":
                facts.countries.setdefault(row.country, []).append(EntityValue(row.id, row.name))
    return facts


# --- Properties ----------------------------------------------------------------------------

Reader = Callable[[AnyEntityRead, Facts], list[Value]]


@dataclass(frozen=True)
class ReconProperty:
    """One property of reconciliation: fetched by data extension, matched in queries."""

    id: str
    name: str
    description: str
    types: tuple[EntityType, ...]
    read: Reader
    # The type of entity values, when they all have one (the column's type in a client).
    target: EntityType | None = None

    def values(self, body: AnyEntityRead, facts: Facts) -> list[Value]:
        if body.type not in self.types:
            return []
        return list(dict.fromkeys(self.read(body, facts)))  # each value once, in order


def _field_reader(name: str, kind: str) -> Reader:
    def read(body: AnyEntityRead, facts: Facts) -> list[Value]:
        value = getattr(body, name, None)
        if value is None:
            found: list[Value] = []
        elif kind == "entity":
            found = [EntityValue(value.id, value.name)]
        elif kind == "date":
            found = [DateValue(value)]
        else:
            found = [TextValue(str(value))]
        if facts.disputed and kind != "entity":
            for claim in body.disputed.get(name, []):
                found.append(DateValue(claim.value) if kind == "date" else TextValue(claim.value))
        return found

    return read


# Descriptions of the fields whose name does not say it all.
_FIELD_DESCRIPTIONS = {
    "classification": "What kind of organisation, event, place or concept it is, in the "
    "article's words (`political party`, `trade union`, `city`).",
    "founding_date": "When the organisation was founded (a partial ISO date).",
    "dissolution_date": "When the organisation was dissolved (a partial ISO date).",
    "headquarters": "The place where the organisation has its headquarters.",
    "website": "The organisation's website.",
    "political_position": "Where the organisation stands on the political spectrum.",
    "colours": "The organisation's colours.",
    "birth_date": "When the person was born (a partial ISO date).",
    "death_date": "When the person died (a partial ISO date).",
    "start_date": "When the event began (a partial ISO date).",
    "end_date": "When the event ended (a partial ISO date).",
    "part_of": "The larger place this place belongs to.",
}


def _field_properties() -> list[ReconProperty]:
    """Each entity type's own fields, from the subtype tables (as the bodies are built):
    a foreign key is an entity value, a column ending in ``_date`` a date, others text."""
    found: dict[str, tuple[list[EntityType], str, EntityType | None]] = {}
    for entity_type in ENTITY_TYPES:
        for column in subtype_columns(entity_type):
            name = field_name(column)
            target: EntityType | None = None
            if column.foreign_keys:
                kind = "entity"
                target_table = next(iter(column.foreign_keys)).column.table.name
                target = next((t for t in ENTITY_TYPES if t == target_table), None)
            else:
                kind = "date" if name.endswith("_date") else "text"
            entry = found.setdefault(name, ([], kind, target))
            entry[0].append(entity_type)
    return [
        ReconProperty(
            id=name,
            name=name.replace("_", " "),
            description=_FIELD_DESCRIPTIONS.get(name, f"The {name.replace('_', ' ')}."),
            types=tuple(types),
            read=_field_reader(name, kind),
            target=target,
        )
        for name, (types, kind, target) in found.items()
    ]


# A chair among the roles of memberships: chairperson, chairman, chairwoman, chair, co-chair.
CHAIR_ROLE = re.compile(r"\b(co-?)?chair(person|man|woman)?\b", re.IGNORECASE)


def _chairpersons(body: AnyEntityRead, facts: Facts) -> list[Value]:
    if not isinstance(body, OrganisationRead):
        return []
    return [
        EntityValue(m.person.id, m.person.name)
        for m in body.memberships
        if CHAIR_ROLE.search(m.role)
    ]


def _member_of(body: AnyEntityRead, facts: Facts) -> list[Value]:
    if not isinstance(body, PersonRead):
        return []
    return [EntityValue(m.organisation.id, m.organisation.name) for m in body.memberships]


def _country_codes(body: AnyEntityRead, facts: Facts) -> list[str]:
    if isinstance(body, OrganisationRead) and body.headquarters:
        places = [body.headquarters.id]
    elif isinstance(body, EventRead):
        places = [p.id for p in body.places]
    else:
        places = []
    return [facts.place_countries[p] for p in places if p in facts.place_countries]


def _country(body: AnyEntityRead, facts: Facts) -> list[Value]:
    if isinstance(body, PlaceRead):
        codes = [body.country] if body.country else []
    else:
        codes = _country_codes(body, facts)
    return [TextValue(code, tuple(facts.countries.get(code, []))) for code in codes]


def _type(body: AnyEntityRead, facts: Facts) -> list[Value]:
    return [TypeValue(body.type, getattr(body, "classification", None))]


def _description(body: AnyEntityRead, facts: Facts) -> list[Value]:
    return [TextValue(body.description)] if body.description else []


def _aliases(lang: str | None) -> Reader:
    def read(body: AnyEntityRead, facts: Facts) -> list[Value]:
        return [TextValue(a.name) for a in body.aliases if lang is None or a.lang == lang]

    return read


def _statement_value(statement: StatementRead) -> Value | None:
    value = statement.value
    if value.type == "entity" and value.entity is not None:
        return EntityValue(value.entity.id, value.entity.name)
    if value.type == "text" and value.text is not None:
        return TextValue(value.text)
    if value.type == "date" and value.date is not None:
        return DateValue(value.date)
    if value.type == "quantity" and value.amount is not None:
        return NumberValue(value.amount)
    return None


def _statements(property_id: str) -> Reader:
    def read(body: AnyEntityRead, facts: Facts) -> list[Value]:
        values = (_statement_value(s) for s in body.statements if s.property == property_id)
        return [v for v in values if v is not None]

    return read


ALL_TYPES: tuple[EntityType, ...] = ENTITY_TYPES
COUNTRY = "country"


def _build() -> tuple[ReconProperty, ...]:
    fields = _field_properties()
    # A place's country is a field; an organisation's is its headquarters', an event's
    # its places': one property for all three, so one column of countries matches any.
    fields = [p for p in fields if p.id != COUNTRY]
    derived = [
        ReconProperty(
            "chairperson",
            "chairperson",
            "The people who chair the organisation: its memberships whose role is a chair "
            "(chairperson, chairman, chairwoman, chair, co-chair).",
            ("organisation",),
            _chairpersons,
            target="person",
        ),
        ReconProperty(
            "member_of",
            "member of",
            "The organisations in which the person holds or held a role (any role).",
            ("person",),
            _member_of,
            target="organisation",
        ),
        ReconProperty(
            COUNTRY,
            "country",
            "The country, as an ISO 3166-1 alpha-2 code (`KZ`): a place's own, an "
            "organisation's headquarters', an event's places'.",
            ("place", "organisation", "event"),
            _country,
        ),
    ]
    general = [
        ReconProperty(
            "type",
            "type",
            "The entity type: organisation, person, event, place or concept. In a query, "
            "a word of the classification (`party`, `trade union`) agrees too.",
            ALL_TYPES,
            _type,
        ),
        ReconProperty(
            "description", "description", "A short description.", ALL_TYPES, _description
        ),
        ReconProperty(
            "aliases",
            "aliases",
            "Every name of the entity, in every language and script.",
            ALL_TYPES,
            _aliases(None),
        ),
        *(
            ReconProperty(
                f"aliases@{lang}",
                f"aliases ({lang})",
                f"The entity's names in {lang} (BCP 47 language and script).",
                ALL_TYPES,
                _aliases(lang),
            )
            for lang in LANGS
        ),
    ]
    statements = [
        ReconProperty(p.id, p.label, p.description, p.subject_types, _statements(p.id))
        for p in PROPERTIES
    ]
    return (*fields, *derived, *general, *statements)


RECON_PROPERTIES: tuple[ReconProperty, ...] = _build()
PROPERTY_BY_ID: dict[str, ReconProperty] = {p.id: p for p in RECON_PROPERTIES}
PROPERTY_IDS: tuple[str, ...] = tuple(PROPERTY_BY_ID)


def properties_of(entity_type: str | None) -> list[ReconProperty]:
    """The properties an entity of this type can have (every property without a type)."""
    return [p for p in RECON_PROPERTIES if entity_type is None or entity_type in p.types]
