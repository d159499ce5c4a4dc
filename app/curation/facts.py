"""Every kind of fact the write API edits, declared once as a ``FactKind``: its table,
request body, read model, the entity whose URL it lives under, how a body becomes a
row and back, which entities it refers to, and where it shows in a body. One set of
generic operations (create, update, delete) serves them all."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, and_, delete, insert, select, update

from app.core.dates import validate_partial_date
from app.core.errors import ConflictError, NotFoundError
from app.core.keys import natural_key, new_fact_id
from app.core.schemas import ReadModel
from app.core.text import fold_case_and_marks
from app.core.vocabulary import EntityType
from app.curation.evidence import (
    merge_patch,
    raise_problems,
    reference_problems,
    source_problems,
    source_rows,
)
from app.curation.schemas import (
    AliasWrite,
    ClaimWrite,
    EventPlaceWrite,
    FigureWrite,
    MembershipInOrganisationWrite,
    MembershipOfPersonWrite,
    ParticipantWrite,
    RelationWrite,
    StatementWrite,
)
from app.curation.unit import WriteUnit, table
from app.models.subtypes import field_name, subtype_columns
from app.provenance.schemas import (
    AliasRead,
    ClaimRead,
    EventPlaceRead,
    FigureRead,
    MembershipInOrganisation,
    MembershipOfPerson,
    ParticipantRead,
    RelationRead,
    StatementRead,
)
from app.rules.checks import Problem, check_period, check_statement_shape
from app.rules.records import Record, SourceRecord

Row = dict[str, Any]
DATE_FIELDS = frozenset(
    {"founding_date", "dissolution_date", "birth_date", "death_date", "start_date", "end_date"}
)


@dataclass(frozen=True)
class FactKind:
    segment: str  # the URL segment: /v1/{type}/{id}/{segment}
    table_name: str
    model: type[Record]
    read_model: type[ReadModel]
    owner: str  # the column holding the id of the entity in the URL
    identity: tuple[str, ...]  # what makes two facts the same fact
    to_row: Callable[[WriteUnit, str, Any], Row]
    to_body: Callable[[Row], dict[str, Any]]
    references: Callable[[Row], list[tuple[str, str | None, tuple[str, ...]]]]
    shown_on: tuple[str, ...]  # columns naming entities whose bodies show the fact
    in_body: Callable[[dict[str, Any]], list[dict[str, Any]]]
    extra_problems: Callable[[WriteUnit, str, Row], list[Problem]] = lambda *_: []
    # A fact as a body shows it -> the write body that states it again (revert).
    from_read: Callable[[dict[str, Any]], dict[str, Any]] = lambda f: _without(f, "id")

    @property
    def table(self) -> Table:
        return table(self.table_name)

    @property
    def source_column(self) -> str:
        return f"{self.table_name}_id"


def _without(fact: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k not in keys and v is not None}


def _ref_to_id(fact: dict[str, Any], read_key: str, write_key: str) -> dict[str, Any]:
    return {**_without(fact, "id", read_key), write_key: fact[read_key]["id"]}


def _dates(row: Row) -> list[Problem]:
    return check_period(row.get("start_date"), row.get("end_date"), "end_date")


def _keep(row: Row, *columns: str) -> dict[str, Any]:
    return {c: row[c] for c in columns if row.get(c) is not None}


# --- aliases -------------------------------------------------------------------------


def _alias_row(_unit: WriteUnit, parent: str, body: AliasWrite) -> Row:
    return {
        "entity_id": parent,
        "name": body.name,
        "name_key": fold_case_and_marks(body.name),
        "lang": body.lang,
        "kind": body.kind,
        "start_date": body.start_date,
        "end_date": body.end_date,
    }


ALIASES = FactKind(
    segment="aliases",
    table_name="alias",
    model=AliasWrite,
    read_model=AliasRead,
    owner="entity_id",
    identity=("entity_id", "lang", "kind", "name"),
    to_row=_alias_row,
    to_body=lambda r: _keep(r, "name", "lang", "kind", "start_date", "end_date"),
    references=lambda _r: [],
    shown_on=("entity_id",),
    in_body=lambda b: b["aliases"],
    extra_problems=lambda _u, _p, r: _dates(r),
)

# --- disputed claims -----------------------------------------------------------------


def _plain_value(unit: WriteUnit, entity_id: str, field: str) -> str | None:
    entity_type, _ = unit.version_of(entity_id)
    if field in ("name", "description"):
        value = unit.conn.execute(
            select(table("entity").c[field]).where(table("entity").c.id == entity_id)
        ).scalar()
    else:
        columns = subtype_columns(cast(EntityType, entity_type))
        column = next(c for c in columns if field_name(c) == field)
        sub = column.table
        value = unit.conn.execute(select(column).where(sub.c.id == entity_id)).scalar()
    return None if value is None else str(value)


def _claim_fields(unit: WriteUnit, entity_id: str) -> set[str]:
    entity_type, _ = unit.version_of(entity_id)
    own = {field_name(c) for c in subtype_columns(cast(EntityType, entity_type))}
    return {"name", "description"} | own


def _claim_problems(unit: WriteUnit, parent: str, row: Row) -> list[Problem]:
    fields = _claim_fields(unit, parent)
    if row["field"] not in fields:
        return [("field", f"not a field of this entity; one of {', '.join(sorted(fields))}")]
    if row["field"] in DATE_FIELDS:
        try:
            validate_partial_date(row["value"])
        except ValueError as exc:
            return [("value", str(exc))]
    return []


def _claim_row(unit: WriteUnit, parent: str, body: ClaimWrite) -> Row:
    fields = _claim_fields(unit, parent)
    plain = _plain_value(unit, parent, body.field) if body.field in fields else None
    return {
        "entity_id": parent,
        "field": body.field,
        "value": body.value,
        "preferred": body.value == plain,
    }


def _claims_in(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [claim for claims in body["disputed"].values() for claim in claims]


def claims_with_fields(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**c, "field": f} for f, claims in body["disputed"].items() for c in claims]


CLAIMS = FactKind(
    segment="claims",
    table_name="claim",
    model=ClaimWrite,
    read_model=ClaimRead,
    owner="entity_id",
    identity=("entity_id", "field", "value"),
    to_row=_claim_row,
    to_body=lambda r: _keep(r, "field", "value"),
    references=lambda _r: [],
    shown_on=("entity_id",),
    in_body=_claims_in,
    extra_problems=_claim_problems,
)

# --- statements ----------------------------------------------------------------------


def _statement_row(_unit: WriteUnit, parent: str, body: StatementWrite) -> Row:
    value = body.value
    return {
        "subject_id": parent,
        "property": body.property,
        "value_type": value.value_type,
        "value_entity_id": value.entity,
        "value_text": value.text,
        "value_lang": value.lang,
        "value_date": value.date,
        "value_amount": value.amount,
        "value_unit": value.unit,
        "start_date": body.start_date,
        "end_date": body.end_date,
        "qualifier": body.qualifier,
        "inferred": body.inferred,
    }


def _statement_body(r: Row) -> dict[str, Any]:
    value = {
        "entity": r["value_entity_id"],
        "text": r["value_text"],
        "lang": r["value_lang"],
        "date": r["value_date"],
        "amount": r["value_amount"],
        "unit": r["value_unit"],
    }
    return {
        **_keep(r, "property", "start_date", "end_date", "qualifier"),
        "value": {k: v for k, v in value.items() if v is not None},
        "inferred": bool(r["inferred"]),
    }


def _statement_problems(unit: WriteUnit, parent: str, row: Row) -> list[Problem]:
    subject_type, _ = unit.version_of(parent)
    value_type = None
    if row["value_entity_id"]:
        found = unit.conn.execute(
            select(table("entity").c.type).where(table("entity").c.id == row["value_entity_id"])
        ).scalar()
        value_type = None if found is None else str(found)
    return _dates(row) + check_statement_shape(
        subject_type=subject_type,
        property_id=row["property"],
        value_type=row["value_type"],
        value_entity_type=value_type,
        value_entity=row["value_entity_id"],
    )


STATEMENTS = FactKind(
    segment="statements",
    table_name="statement",
    model=StatementWrite,
    read_model=StatementRead,
    owner="subject_id",
    identity=(
        "subject_id",
        "property",
        "value_type",
        "value_entity_id",
        "value_text",
        "value_lang",
        "value_date",
        "value_amount",
        "value_unit",
    ),
    to_row=_statement_row,
    to_body=_statement_body,
    references=lambda _r: [],  # the value entity is checked with the property's rules
    shown_on=("subject_id",),
    in_body=lambda b: b["statements"],
    extra_problems=_statement_problems,
    from_read=lambda f: {
        **_without(f, "id", "value"),
        "value": {
            **_without(f["value"], "type", "entity"),
            **({"entity": f["value"]["entity"]["id"]} if f["value"].get("entity") else {}),
        },
    },
)

# --- relations -----------------------------------------------------------------------


def _relation_row(_unit: WriteUnit, parent: str, body: RelationWrite) -> Row:
    return {
        "subject_id": parent,
        "relation": body.relation,
        "object_id": body.object,
        "start_date": body.start_date,
        "end_date": body.end_date,
        "inferred": body.inferred,
    }


def _relation_problems(_unit: WriteUnit, parent: str, row: Row) -> list[Problem]:
    same = [("object", "an entity cannot relate to itself")] if row["object_id"] == parent else []
    return same + _dates(row)


RELATIONS = FactKind(
    segment="relations",
    table_name="relation",
    model=RelationWrite,
    read_model=RelationRead,
    owner="subject_id",
    identity=("subject_id", "relation", "object_id"),
    to_row=_relation_row,
    to_body=lambda r: {
        **_keep(r, "relation", "start_date", "end_date"),
        "object": r["object_id"],
        "inferred": bool(r["inferred"]),
    },
    references=lambda r: [("object", r["object_id"], ())],
    shown_on=("subject_id", "object_id"),
    in_body=lambda b: [r for r in b["relations"] if r["direction"] == "outgoing"],
    extra_problems=_relation_problems,
    from_read=lambda f: _without(_ref_to_id(f, "target", "object"), "direction"),
)

# --- memberships, from either side ---------------------------------------------------


def _membership_row(person: str, organisation: str, body: Any) -> Row:
    return {
        "person_id": person,
        "organisation_id": organisation,
        "role": body.role,
        "start_date": body.start_date,
        "end_date": body.end_date,
        "inferred": body.inferred,
    }


def _membership_body(other: str, r: Row) -> dict[str, Any]:
    return {
        **_keep(r, "role", "start_date", "end_date"),
        other: r[f"{other}_id"],
        "inferred": bool(r["inferred"]),
    }


def _membership_kind(
    side: str, other: str, model: type[Record], read_model: type[ReadModel]
) -> FactKind:
    """Memberships as the ``side`` (person or organisation) lists them: the body names
    the ``other`` end; the row is the same from either side."""

    def to_row(_unit: WriteUnit, parent: str, body: Any) -> Row:
        ends = {side: parent, other: getattr(body, other)}
        return _membership_row(ends["person"], ends["organisation"], body)

    return FactKind(
        segment="memberships",
        table_name="membership",
        model=model,
        read_model=read_model,
        owner=f"{side}_id",
        identity=("person_id", "organisation_id", "role"),
        to_row=to_row,
        to_body=lambda r: _membership_body(other, r),
        references=lambda r: [(other, r[f"{other}_id"], (other,))],
        shown_on=("person_id", "organisation_id"),
        in_body=lambda b: b["memberships"],
        extra_problems=lambda _u, _p, r: _dates(r),
        from_read=lambda f: _ref_to_id(f, other, other),
    )


PERSON_MEMBERSHIPS = _membership_kind(
    "person", "organisation", MembershipOfPersonWrite, MembershipInOrganisation
)
ORGANISATION_MEMBERSHIPS = _membership_kind(
    "organisation", "person", MembershipInOrganisationWrite, MembershipOfPerson
)

# --- events: participants, figures, places -------------------------------------------

PARTICIPANTS = FactKind(
    segment="participants",
    table_name="participation",
    model=ParticipantWrite,
    read_model=ParticipantRead,
    owner="event_id",
    identity=("event_id", "entity_id", "role"),
    to_row=lambda _u, parent, body: {
        "event_id": parent,
        "entity_id": body.entity,
        "role": body.role,
        "inferred": body.inferred,
    },
    to_body=lambda r: {
        "entity": r["entity_id"],
        "role": r["role"],
        "inferred": bool(r["inferred"]),
    },
    references=lambda r: [("entity", r["entity_id"], ())],
    shown_on=("event_id", "entity_id"),
    in_body=lambda b: b["participants"],
    extra_problems=lambda _u, parent, r: (
        [("entity", "an event does not take part in itself")] if r["entity_id"] == parent else []
    ),
    from_read=lambda f: _ref_to_id(f, "entity", "entity"),
)
FIGURES = FactKind(
    segment="figures",
    table_name="event_figure",
    model=FigureWrite,
    read_model=FigureRead,
    owner="event_id",
    identity=("event_id", "measure"),
    to_row=lambda _u, parent, body: {"event_id": parent, **body.model_dump(exclude={"sources"})},
    to_body=lambda r: {
        **_keep(r, "measure", "value", "qualifier", "unit", "according_to"),
        "inferred": bool(r["inferred"]),
    },
    references=lambda _r: [],
    shown_on=("event_id",),
    in_body=lambda b: b["figures"],
)
PLACES = FactKind(
    segment="places",
    table_name="event_place",
    model=EventPlaceWrite,
    read_model=EventPlaceRead,
    owner="event_id",
    identity=("event_id", "place_id"),
    to_row=lambda _u, parent, body: {"event_id": parent, "place_id": body.place},
    to_body=lambda r: {"place": r["place_id"]},
    references=lambda r: [("place", r["place_id"], ("place",))],
    shown_on=("event_id", "place_id"),
    in_body=lambda b: b["places"],
    from_read=lambda f: {"place": f["id"], "sources": f["sources"]},
)

COMMON = (ALIASES, CLAIMS, STATEMENTS, RELATIONS)
KINDS: dict[EntityType, tuple[FactKind, ...]] = {
    "organisation": (*COMMON, ORGANISATION_MEMBERSHIPS),
    "person": (*COMMON, PERSON_MEMBERSHIPS),
    "event": (*COMMON, PARTICIPANTS, FIGURES, PLACES),
    "place": COMMON,
    "concept": COMMON,
}


# --- the operations ------------------------------------------------------------------


def _validated(kind: FactKind, data: dict[str, Any]) -> Record:
    try:
        return kind.model.model_validate(data)
    except ValidationError as exc:
        raise_problems([(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()])
        raise  # unreachable: raise_problems raised


def _check(
    unit: WriteUnit, kind: FactKind, parent: str, row: Row, sources: list[SourceRecord]
) -> None:
    problems = kind.extra_problems(unit, parent, row)
    problems += reference_problems(unit.conn, kind.references(row))
    problems += source_problems(unit.conn, unit.data_dir, sources)
    raise_problems(problems)


def _duplicate(unit: WriteUnit, kind: FactKind, row: Row, fact_id: str | None) -> None:
    t = kind.table
    conditions = [
        t.c[c].is_(None) if row.get(c) is None else t.c[c] == row[c] for c in kind.identity
    ]
    if fact_id is not None:
        conditions.append(t.c.id != fact_id)
    existing = unit.conn.execute(select(t.c.id).where(and_(*conditions)).limit(1)).scalar()
    if existing is not None:
        raise ConflictError(
            f"the same {kind.table_name.replace('_', ' ')} exists already: {existing}",
            extensions={"existing": existing},
        )


def _replace_sources(
    unit: WriteUnit, column: str, target: str, sources: list[SourceRecord]
) -> None:
    src = table("source")
    unit.conn.execute(delete(src).where(src.c[column] == target))
    rows = [
        {
            "id": new_fact_id(None, "source", secrets.token_hex(16)),
            "natural_key": None,
            "document_id": None,
            "curated_by": unit.actor.name,
            "citation_id": citation,
            "quote": quote,
            column: target,
        }
        for citation, quote in source_rows(sources)
    ]
    if rows:
        unit.conn.execute(insert(src), rows)


def stored_sources(unit: WriteUnit, column: str, target: str) -> list[dict[str, str]]:
    src = table("source")
    rows = unit.conn.execute(
        select(src.c.citation_id, src.c.quote).where(src.c[column] == target).order_by(src.c.id)
    )
    return [{"citation": r.citation_id, "quote": r.quote} for r in rows]


def stored_fact(unit: WriteUnit, kind: FactKind, parent: str, fact_id: str) -> Row:
    t = kind.table
    found = (
        unit.conn.execute(select(t).where(t.c.id == fact_id, t.c[kind.owner] == parent))
        .mappings()
        .first()
    )
    if found is None:
        raise NotFoundError(f"{parent!r} has no {kind.segment} fact with id {fact_id!r}")
    return dict(found)


def create_fact(
    unit: WriteUnit,
    kind: FactKind,
    parent: str,
    data: dict[str, Any],
    fact_id: str | None = None,
) -> str:
    """A new fact (or, for a revert, a deleted one again under its old id)."""
    body = _validated(kind, data)
    row = kind.to_row(unit, parent, body)
    sources: list[SourceRecord] = body.sources  # type: ignore[attr-defined]
    _check(unit, kind, parent, row, sources)
    _duplicate(unit, kind, row, None)
    unit.touch(row[c] for c in kind.shown_on)
    fact_id = fact_id or new_fact_id(None, kind.table_name, secrets.token_hex(16))
    unit.conn.execute(
        insert(kind.table).values(
            id=fact_id,
            natural_key=natural_key(*(row[c] for c in kind.identity)),
            document_id=None,
            curated_by=unit.actor.name,
            **row,
        )
    )
    _replace_sources(unit, kind.source_column, fact_id, sources)
    return fact_id


def update_fact(
    unit: WriteUnit,
    kind: FactKind,
    parent: str,
    fact_id: str,
    patch: dict[str, Any],
    *,
    replace: bool = False,
) -> None:
    """Merge ``patch`` into the fact, or with ``replace`` make it exactly ``patch``."""
    stored = stored_fact(unit, kind, parent, fact_id)
    current = {
        **kind.to_body(stored),
        "sources": stored_sources(unit, kind.source_column, fact_id),
    }
    if (
        replace
        and kind.to_body(stored) == _without(patch, "sources")
        and (current["sources"] == patch.get("sources"))
    ):
        return
    body = _validated(kind, patch if replace else merge_patch(current, patch))
    row = kind.to_row(unit, parent, body)
    sources: list[SourceRecord] = body.sources  # type: ignore[attr-defined]
    _check(unit, kind, parent, row, sources)
    _duplicate(unit, kind, row, fact_id)
    unit.touch([*(stored[c] for c in kind.shown_on), *(row[c] for c in kind.shown_on)])
    t = kind.table
    values = {**row, "curated_by": unit.actor.name}
    if stored["document_id"] is None:  # a seeded fact keeps the key its seed matches on
        values["natural_key"] = natural_key(*(row[c] for c in kind.identity))
    unit.conn.execute(update(t).where(t.c.id == fact_id).values(**values))
    if "sources" in patch:
        _replace_sources(unit, kind.source_column, fact_id, sources)


def delete_fact(unit: WriteUnit, kind: FactKind, parent: str, fact_id: str) -> None:
    stored = stored_fact(unit, kind, parent, fact_id)
    unit.touch(stored[c] for c in kind.shown_on)
    delete_fact_row(unit, kind.table_name, stored)


def delete_fact_row(unit: WriteUnit, table_name: str, stored: Row) -> None:
    unit.tombstone(table_name, stored)
    src = table("source")
    unit.conn.execute(delete(src).where(src.c[f"{table_name}_id"] == stored["id"]))
    t = table(table_name)
    unit.conn.execute(delete(t).where(t.c.id == stored["id"]))


def find_in_body(kind: FactKind, body: dict[str, Any], fact_id: str) -> dict[str, Any] | None:
    return next((f for f in kind.in_body(body) if f.get("fact_id", f.get("id")) == fact_id), None)
