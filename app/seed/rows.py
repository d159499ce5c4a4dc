"""Turn a checked Dataset into table rows with deterministic ids.

A fact row's id is a hash of what identifies it (an alias: entity, name,
language, kind), so the same data always gives the same rows and the loader can
diff desired rows against stored ones by id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from app.core.names import name_tokens
from app.core.text import fold_case_and_marks, normalise_whitespace
from app.seed.dataset import DataError, DataProblem, Dataset
from app.seed.schemas import (
    EntityRecord,
    EventRecord,
    OrganisationRecord,
    PersonRecord,
    PlaceRecord,
    SourceRecord,
)

Row = dict[str, Any]

# Insert order (parents first); deletes run in reverse.
TABLE_ORDER = (
    "citation",
    "entity",
    "place",
    "organisation",
    "person",
    "event",
    "alias",
    "membership",
    "relation",
    "participation",
    "event_place",
    "event_figure",
    "claim",
    "source",
    "search_name",
    "search_token",
)
_PREFIX = {
    "alias": "al",
    "membership": "ms",
    "relation": "rl",
    "participation": "pt",
    "event_place": "ep",
    "event_figure": "fg",
    "claim": "cl",
    "source": "sr",
    "search_name": "sn",
}


def fact_id(table: str, *identity: object) -> str:
    digest = hashlib.sha1(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()
    return f"{_PREFIX[table]}_{digest[:24]}"


@dataclass
class Rows:
    tables: dict[str, dict[str, Row]] = field(default_factory=lambda: {t: {} for t in TABLE_ORDER})
    problems: list[DataProblem] = field(default_factory=list)

    def put(self, table: str, row: Row, where: str) -> str:
        existing = self.tables[table].get(row["id"])
        if existing is not None and existing != row:
            self.problems.append(
                DataProblem(
                    where,
                    f"{table} {row['id']}",
                    f"the same {table} is stated twice with different values: {existing} vs {row}",
                )
            )
        self.tables[table][row["id"]] = row
        return str(row["id"])

    def fact(self, table: str, identity: tuple[object, ...], values: Row, where: str) -> str:
        return self.put(table, {"id": fact_id(table, *identity), **values}, where)

    def sources(self, column: str, target_id: str, sources: list[SourceRecord], where: str) -> None:
        for source in sources:
            quote = normalise_whitespace(source.quote)
            self.fact(
                "source",
                (column, target_id, source.citation, quote),
                {"citation_id": source.citation, "quote": quote, column: target_id},
                where,
            )

    def fingerprint(self) -> str:
        canonical = json.dumps(
            {t: sorted(rows.items()) for t, rows in self.tables.items()},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _subtype_row(record: EntityRecord) -> tuple[str, Row]:
    if isinstance(record, OrganisationRecord):
        return "organisation", {
            "id": record.id,
            "classification": record.classification,
            "founding_date": record.founding_date,
            "dissolution_date": record.dissolution_date,
            "headquarters_id": record.headquarters,
            "website": record.website,
            "political_position": record.political_position,
            "colours": record.colours,
        }
    if isinstance(record, PersonRecord):
        return "person", {
            "id": record.id,
            "birth_date": record.birth_date,
            "death_date": record.death_date,
        }
    if isinstance(record, EventRecord):
        return "event", {
            "id": record.id,
            "classification": record.classification,
            "start_date": record.start_date,
            "end_date": record.end_date,
        }
    if isinstance(record, PlaceRecord):
        return "place", {
            "id": record.id,
            "classification": record.classification,
            "country": record.country,
            "part_of_id": record.part_of,
        }
    raise TypeError(f"no table for {type(record).__name__}")


def _places_parents_first(rows: dict[str, Row]) -> dict[str, Row]:
    """Order places so that each comes after the place it is part of (FKs are checked per row)."""

    def depth(place_id: str, seen: frozenset[str] = frozenset()) -> int:
        parent = rows[place_id]["part_of_id"]
        if parent is None or parent not in rows or parent in seen:
            return 0
        return 1 + depth(parent, seen | {place_id})

    return dict(sorted(rows.items(), key=lambda item: (depth(item[0]), item[0])))


# Which entities each kind of fact row involves, by the row's columns.
_INVOLVES = {
    "entity": ("id",),
    "alias": ("entity_id",),
    "membership": ("person_id", "organisation_id"),
    "relation": ("subject_id", "object_id"),
    "participation": ("event_id", "entity_id"),
    "event_place": ("event_id", "place_id"),
    "event_figure": ("event_id",),
    "claim": ("entity_id",),
}


def _weights(rows: Rows) -> dict[str, int]:
    """How much the knowledge base knows about each entity: the sources of its facts."""
    involved: dict[str, tuple[str, ...]] = {}
    for table, columns in _INVOLVES.items():
        for row_id, row in rows.tables[table].items():
            involved[row_id] = tuple(row[c] for c in columns)
    weights: dict[str, int] = dict.fromkeys(rows.tables["entity"], 0)
    for source in rows.tables["source"].values():
        target = next(
            v for k, v in source.items() if k.endswith("_id") and k != "citation_id" and v
        )
        for entity_id in involved[target]:
            weights[entity_id] += 1
    return weights


def _search_rows(rows: Rows) -> None:
    weights = _weights(rows)
    names: list[tuple[str, str | None, str, str, str, str | None, str | None]] = [
        (e["id"], None, e["name"], "en", "official", None, None)
        for e in rows.tables["entity"].values()
    ]
    names += [
        (a["entity_id"], a["id"], a["name"], a["lang"], a["kind"], a["start_date"], a["end_date"])
        for a in rows.tables["alias"].values()
    ]
    entity_types = {e["id"]: e["type"] for e in rows.tables["entity"].values()}
    for entity_id, alias_id, name, lang, kind, start, end in names:
        tokens = name_tokens(name)
        if not tokens:
            continue
        name_id = rows.fact(
            "search_name",
            (entity_id, alias_id, name),
            {
                "entity_id": entity_id,
                "entity_type": entity_types[entity_id],
                "alias_id": alias_id,
                "name": name,
                "lang": lang,
                "kind": kind,
                "start_date": start,
                "end_date": end,
                "key": " ".join(tokens),
                "sorted_key": " ".join(sorted(tokens)),
                "weight": weights[entity_id],
            },
            f"search names of {entity_id}",
        )
        for position, token in enumerate(tokens):
            rows.put(
                "search_token",
                {
                    "id": f"{name_id}:{position}",
                    "search_name_id": name_id,
                    "position": position,
                    "token": token,
                },
                f"search names of {entity_id}",
            )


def build_rows(dataset: Dataset) -> Rows:
    rows = Rows()
    for citation in dataset.citations.values():
        rows.put("citation", citation.model_dump(), "citations")
    for entity_id, (entity_type, record) in sorted(dataset.entities.items()):
        where = f"entity {entity_id}"
        rows.put(
            "entity",
            {
                "id": entity_id,
                "type": entity_type,
                "name": record.name,
                "description": record.description,
            },
            where,
        )
        table, subtype = _subtype_row(record)
        rows.put(table, subtype, where)
        rows.sources("entity_id", entity_id, record.sources, where)
        for alias in record.aliases:
            alias_id = rows.fact(
                "alias",
                (entity_id, alias.name, alias.lang, alias.kind),
                {
                    "entity_id": entity_id,
                    "name": alias.name,
                    "name_key": fold_case_and_marks(alias.name),
                    "lang": alias.lang,
                    "kind": alias.kind,
                    "start_date": alias.start_date,
                    "end_date": alias.end_date,
                },
                where,
            )
            rows.sources("alias_id", alias_id, alias.sources, where)
        for field_name, claims in record.disputed.items():
            plain = getattr(record, field_name)
            for claim in claims:
                claim_id = rows.fact(
                    "claim",
                    (entity_id, field_name, claim.value),
                    {
                        "entity_id": entity_id,
                        "field": field_name,
                        "value": claim.value,
                        "preferred": claim.value == plain,
                    },
                    where,
                )
                rows.sources("claim_id", claim_id, claim.sources, where)
        if isinstance(record, EventRecord):
            for place in record.places:
                ep_id = rows.fact(
                    "event_place",
                    (entity_id, place.place),
                    {"event_id": entity_id, "place_id": place.place},
                    where,
                )
                rows.sources("event_place_id", ep_id, place.sources, where)
            for participant in record.participants:
                pt_id = rows.fact(
                    "participation",
                    (entity_id, participant.entity, participant.role),
                    {
                        "event_id": entity_id,
                        "entity_id": participant.entity,
                        "role": participant.role,
                    },
                    where,
                )
                rows.sources("participation_id", pt_id, participant.sources, where)
            for figure in record.figures:
                fg_id = rows.fact(
                    "event_figure",
                    (entity_id, figure.measure, figure.value, figure.qualifier),
                    {
                        "event_id": entity_id,
                        "measure": figure.measure,
                        "value": figure.value,
                        "qualifier": figure.qualifier,
                        "unit": figure.unit,
                    },
                    where,
                )
                rows.sources("event_figure_id", fg_id, figure.sources, where)
    for m in dataset.memberships:
        where = f"membership {m.person} in {m.organisation}"
        ms_id = rows.fact(
            "membership",
            (m.person, m.organisation, m.role, m.start_date),
            {
                "person_id": m.person,
                "organisation_id": m.organisation,
                "role": m.role,
                "start_date": m.start_date,
                "end_date": m.end_date,
            },
            where,
        )
        rows.sources("membership_id", ms_id, m.sources, where)
    for r in dataset.relations:
        where = f"relation {r.subject} {r.relation} {r.object}"
        rl_id = rows.fact(
            "relation",
            (r.subject, r.relation, r.object, r.start_date),
            {
                "subject_id": r.subject,
                "relation": r.relation,
                "object_id": r.object,
                "start_date": r.start_date,
                "end_date": r.end_date,
            },
            where,
        )
        rows.sources("relation_id", rl_id, r.sources, where)
    rows.tables["place"] = _places_parents_first(rows.tables["place"])
    _search_rows(rows)
    if rows.problems:
        raise DataError(rows.problems)
    return rows
