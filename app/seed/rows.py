"""Turn a checked Dataset into the table rows its document owns.

Every fact row carries its natural key (what identifies it within the document)
and a new-fact id derived from document and key; the loader keeps the stored id
of a fact whose key it finds, so editing a value keeps the fact's id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from app.core.keys import natural_key, new_fact_id, source_key
from app.core.text import fold_case_and_marks, normalise_whitespace
from app.core.vocabulary import EntityType
from app.models.subtypes import SUBTYPE_TABLES, field_name, subtype_columns
from app.rules.records import EntityRecord, EventRecord, SourceRecord
from app.seed.dataset import DataError, DataProblem, Dataset

Row = dict[str, Any]

# Insert order (parents first); deletes run in reverse.
TABLE_ORDER = (
    "citation",
    "entity",
    "place",
    "organisation",
    "person",
    "event",
    "concept",
    "alias",
    "membership",
    "relation",
    "participation",
    "event_place",
    "event_figure",
    "claim",
    "statement",
    "source",
)
# Tables whose rows are matched on ``natural_key`` rather than on ``id``.
KEYED_TABLES = frozenset(TABLE_ORDER[TABLE_ORDER.index("alias") :])
SUBTYPE_TABLE_NAMES = tuple(table.name for table in SUBTYPE_TABLES.values())


@dataclass
class Rows:
    document_id: str
    tables: dict[str, dict[str, Row]] = field(default_factory=lambda: {t: {} for t in TABLE_ORDER})
    problems: list[DataProblem] = field(default_factory=list)

    def put(self, table: str, row: Row, where: str) -> str:
        """Add a row, keyed by its natural key (facts) or id (the rest)."""
        key = row["natural_key"] if table in KEYED_TABLES else row["id"]
        existing = self.tables[table].get(key)
        if existing is not None and existing != row:
            self.problems.append(
                DataProblem(
                    where,
                    f"{table} {key}",
                    f"the same {table} is stated twice with different values: {existing} vs {row}",
                )
            )
        self.tables[table][key] = row
        return str(row["id"])

    def fact(self, table: str, key: str, values: Row, where: str) -> tuple[str, str]:
        """Add a fact; returns its (new-fact) id and its natural key."""
        row = {
            "id": new_fact_id(self.document_id, table, key),
            "natural_key": key,
            "document_id": self.document_id,
            **values,
        }
        return self.put(table, row, where), key

    def sources(
        self,
        column: str,
        fact: tuple[str, str],
        sources: list[SourceRecord],
        where: str,
    ) -> None:
        target_id, fact_key = fact
        table = column.removesuffix("_id")
        for source in sources:
            quote = normalise_whitespace(source.quote)
            key = source_key(table, fact_key, source.citation, quote)
            self.put(
                "source",
                {
                    "id": new_fact_id(self.document_id, "source", key),
                    "natural_key": key,
                    "document_id": self.document_id,
                    "citation_id": source.citation,
                    "quote": quote,
                    column: target_id,
                },
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


def _subtype_row(entity_type: EntityType, record: EntityRecord) -> tuple[str, Row]:
    table = SUBTYPE_TABLES[entity_type]
    fields = {c.name: getattr(record, field_name(c)) for c in subtype_columns(entity_type)}
    return table.name, {"id": record.id, **fields}


def _places_parents_first(rows: dict[str, Row]) -> dict[str, Row]:
    """Order places so that each comes after the place it is part of (FKs are checked per row)."""

    def depth(place_id: str, seen: frozenset[str] = frozenset()) -> int:
        parent = rows[place_id]["part_of_id"]
        if parent is None or parent not in rows or parent in seen:
            return 0
        return 1 + depth(parent, seen | {place_id})

    return dict(sorted(rows.items(), key=lambda item: (depth(item[0]), item[0])))


def _key(explicit: str | None, *parts: object) -> str:
    return natural_key("key", explicit) if explicit else natural_key(*parts)


def _entity_rows(rows: Rows, entity_id: str, entity_type: EntityType, record: EntityRecord) -> None:
    where = f"entity {entity_id}"
    rows.put(
        "entity",
        {
            "id": entity_id,
            "type": entity_type,
            "name": record.name,
            "description": record.description,
            "document_id": rows.document_id,
        },
        where,
    )
    table, subtype = _subtype_row(entity_type, record)
    rows.put(table, subtype, where)
    rows.sources("entity_id", (entity_id, entity_id), record.sources, where)
    for alias in record.aliases:
        fact = rows.fact(
            "alias",
            natural_key(entity_id, alias.lang, alias.kind, alias.name),
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
        rows.sources("alias_id", fact, alias.sources, where)
    for disputed_field, claims in record.disputed.items():
        plain = getattr(record, disputed_field)
        for claim in claims:
            fact = rows.fact(
                "claim",
                natural_key(entity_id, disputed_field, claim.value),
                {
                    "entity_id": entity_id,
                    "field": disputed_field,
                    "value": claim.value,
                    "preferred": claim.value == plain,
                },
                where,
            )
            rows.sources("claim_id", fact, claim.sources, where)
    if isinstance(record, EventRecord):
        _event_rows(rows, entity_id, record, where)


def _event_rows(rows: Rows, event_id: str, record: EventRecord, where: str) -> None:
    for place in record.places:
        fact = rows.fact(
            "event_place",
            natural_key(event_id, place.place),
            {"event_id": event_id, "place_id": place.place},
            where,
        )
        rows.sources("event_place_id", fact, place.sources, where)
    for participant in record.participants:
        fact = rows.fact(
            "participation",
            _key(participant.key, event_id, participant.entity, participant.role),
            {
                "event_id": event_id,
                "entity_id": participant.entity,
                "role": participant.role,
                "inferred": participant.inferred,
            },
            where,
        )
        rows.sources("participation_id", fact, participant.sources, where)
    for figure in record.figures:
        fact = rows.fact(
            "event_figure",
            _key(figure.key, event_id, figure.measure),
            {
                "event_id": event_id,
                "measure": figure.measure,
                "value": figure.value,
                "qualifier": figure.qualifier,
                "unit": figure.unit,
                "according_to": figure.according_to,
                "inferred": figure.inferred,
            },
            where,
        )
        rows.sources("event_figure_id", fact, figure.sources, where)


def build_rows(dataset: Dataset, document_id: str) -> Rows:
    rows = Rows(document_id)
    for citation in dataset.citations.values():
        rows.put("citation", {**citation.model_dump(), "document_id": document_id}, "citations")
    for entity_id, (entity_type, record) in sorted(dataset.entities.items()):
        _entity_rows(rows, entity_id, entity_type, record)
    for m in dataset.memberships:
        where = f"membership {m.person} in {m.organisation}"
        fact = rows.fact(
            "membership",
            _key(m.key, m.person, m.organisation, m.role),
            {
                "person_id": m.person,
                "organisation_id": m.organisation,
                "role": m.role,
                "start_date": m.start_date,
                "end_date": m.end_date,
                "inferred": m.inferred,
            },
            where,
        )
        rows.sources("membership_id", fact, m.sources, where)
    for r in dataset.relations:
        where = f"relation {r.subject} {r.relation} {r.object}"
        fact = rows.fact(
            "relation",
            _key(r.key, r.subject, r.relation, r.object),
            {
                "subject_id": r.subject,
                "relation": r.relation,
                "object_id": r.object,
                "start_date": r.start_date,
                "end_date": r.end_date,
                "inferred": r.inferred,
            },
            where,
        )
        rows.sources("relation_id", fact, r.sources, where)
    for s in dataset.statements:
        where = f"statement {s.key}"
        value = s.value
        fact = rows.fact(
            "statement",
            natural_key("key", s.key),
            {
                "subject_id": s.subject,
                "property": s.property,
                "value_type": value.value_type,
                "value_entity_id": value.entity,
                "value_text": value.text,
                "value_lang": value.lang,
                "value_date": value.date,
                "value_amount": value.amount,
                "value_unit": value.unit,
                "start_date": s.start_date,
                "end_date": s.end_date,
                "qualifier": s.qualifier,
                "inferred": s.inferred,
            },
            where,
        )
        rows.sources("statement_id", fact, s.sources, where)
    rows.tables["place"] = _places_parents_first(rows.tables["place"])
    if rows.problems:
        raise DataError(rows.problems)
    return rows
