"""Assemble entity bodies, every fact with its sources, in a fixed number of queries.

Whatever the number of entities asked for and however many aliases, memberships,
relations or events they have, ``load_bodies`` runs the same ten SELECTs: one per
fact table over the whole batch, one for every source of every fact, and one for
the names of every entity referred to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.core.driver_sql import driver_rows
from app.models import (
    Alias,
    Claim,
    Entity,
    Event,
    EventFigure,
    EventPlace,
    Membership,
    Participation,
    Relation,
    Source,
    Statement,
)
from app.models.source import FACT_COLUMNS
from app.models.subtypes import SUBTYPE_TABLES, field_name, subtype_columns
from app.provenance.as_of import NAME_KINDS, name_at
from app.provenance.changes import iso_timestamp
from app.provenance.schemas import READ_MODELS, AnyEntityRead

Body = dict[str, Any]
SourceList = list[dict[str, str]]


def _rows(session: Session, statement: Select[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(statement).mappings()]


def _entity_rows(session: Session, ids: Collection[str]) -> list[dict[str, Any]]:
    """Each entity with its type's own columns (labelled ``type__column``), one SELECT."""
    # Core tables, not the mapped subclasses: a subclass entity would join ``entity`` again.
    entity = Entity.__table__
    columns: list[Any] = [
        entity.c.id,
        entity.c.type,
        entity.c.name,
        entity.c.description,
        entity.c.version,
        entity.c.updated_at,
    ]
    joined: Any = entity
    for etype, table in SUBTYPE_TABLES.items():
        columns += [c.label(f"{etype}__{c.name}") for c in subtype_columns(etype)]
        joined = joined.outerjoin(table, table.c.id == entity.c.id)
    return _rows(session, select(*columns).select_from(joined).where(entity.c.id.in_(ids)))


def _own_fields(e: dict[str, Any], refs: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The entity type's own fields, references resolved to ``{id, type, name}``."""
    fields: dict[str, Any] = {}
    for column in subtype_columns(e["type"]):
        value = e[f"{e['type']}__{column.name}"]
        fields[field_name(column)] = refs.get(value) if column.foreign_keys and value else value
    return fields


def _own_references(e: dict[str, Any]) -> set[str]:
    return {
        e[f"{e['type']}__{c.name}"]
        for c in subtype_columns(e["type"])
        if c.foreign_keys and e[f"{e['type']}__{c.name}"]
    }


def _ids(name: str = "ids") -> Any:
    return bindparam(name, expanding=True)


SOURCE = Source.__table__.c


def _sources(session: Session, facts: dict[str, list[str]]) -> dict[str, SourceList]:
    """Sources keyed by the id of the fact they support (fact ids are unique across tables).

    Only the fact columns with ids are ORed: an empty IN list compiles to a subquery
    that stops SQLite from answering the OR with one index per column, and it would
    scan the whole table instead.
    """
    wanted = {column: ids for column, ids in facts.items() if ids}
    if not wanted:
        return {}
    statement = select(SOURCE.citation_id, SOURCE.quote, *(SOURCE[c] for c in FACT_COLUMNS)).where(
        or_(*(SOURCE[column].in_(_ids(column)) for column in wanted))
    )
    out: dict[str, SourceList] = defaultdict(list)
    for row in session.execute(statement, wanted):
        target = next(value for value in row[2:] if value)
        out[target].append({"citation": row[0], "quote": row[1]})
    for items in out.values():
        items.sort(key=lambda s: (_citation_order(s["citation"]), s["quote"]))
    return out


def _citation_order(citation: str) -> tuple[int, int]:
    """The article's references by number, then the article, then sources added
    through the API (``src-N``) by number."""
    if citation == "article":
        return (1, 0)
    kind, _, number = citation.partition("-")
    return (0 if kind == "ref" else 2, int(number) if number.isdigit() else 0)


def _date_key(value: str | None) -> str:
    return value or "9999"


def load_refs(session: Session | Connection, ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """The id, type and name of each of these entities that exists."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {row.id: row._asdict() for row in driver_rows(session, _REFS, {"ids": wanted})}


_REFS = select(Entity.id, Entity.type, Entity.name).where(Entity.id.in_(_ids()))
# Built once: each request only binds its ids (statement construction is a large
# share of SQLAlchemy's per-query cost).
_ALIASES = (
    select(Alias.__table__).where(Alias.entity_id.in_(_ids())).order_by(Alias.lang, Alias.name)
)
_CLAIMS = (
    select(Claim.__table__).where(Claim.entity_id.in_(_ids())).order_by(Claim.field, Claim.value)
)
_MEMBERSHIPS = select(Membership.__table__).where(
    or_(Membership.person_id.in_(_ids()), Membership.organisation_id.in_(_ids()))
)
_RELATIONS = select(Relation.__table__).where(
    or_(Relation.subject_id.in_(_ids()), Relation.object_id.in_(_ids()))
)
_PARTICIPATIONS = (
    select(Participation.__table__, Event.__table__.c.start_date)
    .join(Event.__table__, Event.__table__.c.id == Participation.event_id)
    .where(or_(Participation.event_id.in_(_ids()), Participation.entity_id.in_(_ids())))
)
_EVENT_PLACES = (
    select(EventPlace.__table__, Event.__table__.c.start_date)
    .join(Event.__table__, Event.__table__.c.id == EventPlace.event_id)
    .where(or_(EventPlace.event_id.in_(_ids()), EventPlace.place_id.in_(_ids())))
)
_STATEMENTS = (
    select(Statement.__table__)
    .where(Statement.subject_id.in_(_ids()))
    .order_by(Statement.property, Statement.start_date, Statement.id)
)
_FIGURES = (
    select(EventFigure.__table__)
    .where(EventFigure.event_id.in_(_ids()))
    .order_by(EventFigure.measure)
)


_FACT_QUERIES = {
    "alias": _ALIASES,
    "claim": _CLAIMS,
    "membership": _MEMBERSHIPS,
    "relation": _RELATIONS,
    "participation": _PARTICIPATIONS,
    "event_place": _EVENT_PLACES,
    "figure": _FIGURES,
    "statement": _STATEMENTS,
}
_SOURCE_COLUMNS = {
    "alias": "alias_id",
    "claim": "claim_id",
    "membership": "membership_id",
    "relation": "relation_id",
    "participation": "participation_id",
    "event_place": "event_place_id",
    "figure": "event_figure_id",
    "statement": "statement_id",
}
# The entities each kind of fact involves (and is listed on), by its columns.
_INVOLVED = {
    "alias": ("entity_id",),
    "claim": ("entity_id",),
    "membership": ("person_id", "organisation_id"),
    "relation": ("subject_id", "object_id"),
    "participation": ("event_id", "entity_id"),
    "event_place": ("event_id", "place_id"),
    "figure": ("event_id",),
    "statement": ("subject_id", "value_entity_id"),
}


def _fetch(session: Session, statement: Any, ids: list[str]) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(statement, {"ids": ids}).mappings()]


@dataclass
class _Facts:
    """Every fact row of a batch of entities, grouped by the entity each belongs to."""

    by_entity: dict[str, dict[str, list[dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, kind: str, row: dict[str, Any], *entity_ids: str | None) -> None:
        for entity_id in dict.fromkeys(entity_ids):
            if entity_id is not None:
                self.by_entity[entity_id][kind].append(row)

    def of(self, entity_id: str, kind: str) -> list[dict[str, Any]]:
        return self.by_entity.get(entity_id, {}).get(kind, [])


def load_bodies(session: Session, ids: Collection[str]) -> dict[str, AnyEntityRead]:
    """Full bodies for the given entity ids (missing ids are simply absent)."""
    if not ids:
        return {}
    entities = _entity_rows(session, ids)
    found = [e["id"] for e in entities]
    if not found:
        return {}
    rows = {kind: _fetch(session, statement, found) for kind, statement in _FACT_QUERIES.items()}
    sources = _sources(
        session,
        {"entity_id": found}
        | {column: [r["id"] for r in rows[kind]] for kind, column in _SOURCE_COLUMNS.items()},
    )
    facts = _Facts()
    referenced: set[str] = set()
    for e in entities:
        referenced |= _own_references(e)
    for kind, row in ((kind, row) for kind, kind_rows in rows.items() for row in kind_rows):
        involved = [row[c] for c in _INVOLVED[kind]]
        facts.add(kind, row, *involved)
        referenced |= {i for i in involved if i is not None}
    refs = load_refs(session, referenced)
    return {e["id"]: _assemble(e, facts, sources, refs) for e in entities}


def _assemble(
    e: dict[str, Any],
    facts: _Facts,
    sources: dict[str, SourceList],
    refs: dict[str, dict[str, str]],
) -> AnyEntityRead:
    eid, etype = e["id"], e["type"]
    disputed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in facts.of(eid, "claim"):
        disputed[c["field"]].append(
            {"id": c["id"], "value": c["value"], "sources": sources.get(c["id"], [])}
        )
    body: Body = {
        "id": eid,
        "type": etype,
        "name": e["name"],
        "description": e["description"],
        "version": e["version"],
        "updated_at": iso_timestamp(e["updated_at"]),
        "aliases": [
            {
                "id": a["id"],
                "name": a["name"],
                "lang": a["lang"],
                "kind": a["kind"],
                "start_date": a["start_date"],
                "end_date": a["end_date"],
                "sources": sources.get(a["id"], []),
            }
            for a in facts.of(eid, "alias")
        ],
        "sources": sources.get(eid, []),
        "disputed": dict(disputed),
        "relations": _relations(eid, facts.of(eid, "relation"), sources, refs),
        "statements": [
            _statement(s, sources, refs)
            for s in facts.of(eid, "statement")
            if s["subject_id"] == eid
        ],
        **_own_fields(e, refs),
    }
    if etype in ("organisation", "person"):
        other = "person" if etype == "organisation" else "organisation"
        body["memberships"] = sorted(
            (
                {
                    "id": m["id"],
                    other: refs[m[f"{other}_id"]],
                    "role": m["role"],
                    "start_date": m["start_date"],
                    "end_date": m["end_date"],
                    "inferred": m["inferred"],
                    "sources": sources.get(m["id"], []),
                }
                for m in facts.of(eid, "membership")
                if m[f"{etype}_id"] == eid
            ),
            key=lambda m: (_date_key(m["start_date"]), m[other]["name"]),
        )
        body["events"] = _events_of(eid, facts.of(eid, "participation"), sources, refs)
    elif etype == "event":
        body["places"] = [
            {**refs[p["place_id"]], "fact_id": p["id"], "sources": sources.get(p["id"], [])}
            for p in facts.of(eid, "event_place")
            if p["event_id"] == eid
        ]
        body["participants"] = sorted(
            (
                {
                    "id": p["id"],
                    "entity": refs[p["entity_id"]],
                    "role": p["role"],
                    "inferred": p["inferred"],
                    "sources": sources.get(p["id"], []),
                }
                for p in facts.of(eid, "participation")
                if p["event_id"] == eid
            ),
            key=lambda p: (p["entity"]["name"], p["role"]),
        )
        body["figures"] = [
            {
                "id": f["id"],
                "measure": f["measure"],
                "value": f["value"],
                "qualifier": f["qualifier"],
                "unit": f["unit"],
                "according_to": f["according_to"],
                "inferred": f["inferred"],
                "sources": sources.get(f["id"], []),
            }
            for f in facts.of(eid, "figure")
        ]
    elif etype == "place":
        body["events"] = sorted(
            (
                {
                    "id": p["id"],
                    "event": refs[p["event_id"]],
                    "role": "place",
                    "start_date": p["start_date"],
                    "inferred": False,
                    "sources": sources.get(p["id"], []),
                }
                for p in facts.of(eid, "event_place")
                if p["place_id"] == eid
            ),
            key=lambda p: (_date_key(p["start_date"]), p["event"]["name"]),
        )
    return READ_MODELS[etype].model_validate(body)


def _relations(
    eid: str,
    relations: list[dict[str, Any]],
    sources: dict[str, SourceList],
    refs: dict[str, dict[str, str]],
) -> list[Body]:
    out = []
    for r in relations:
        if r["subject_id"] == eid:
            direction, target = "outgoing", r["object_id"]
        else:
            direction, target = "incoming", r["subject_id"]
        out.append(
            {
                "id": r["id"],
                "relation": r["relation"],
                "direction": direction,
                "target": refs[target],
                "start_date": r["start_date"],
                "end_date": r["end_date"],
                "inferred": r["inferred"],
                "sources": sources.get(r["id"], []),
            }
        )
    out.sort(key=lambda r: (_date_key(r["start_date"]), r["relation"], r["target"]["id"]))
    return out


def _events_of(
    eid: str,
    participations: list[dict[str, Any]],
    sources: dict[str, SourceList],
    refs: dict[str, dict[str, str]],
) -> list[Body]:
    return sorted(
        (
            {
                "id": p["id"],
                "event": refs[p["event_id"]],
                "role": p["role"],
                "start_date": p["start_date"],
                "inferred": p["inferred"],
                "sources": sources.get(p["id"], []),
            }
            for p in participations
            if p["entity_id"] == eid
        ),
        key=lambda p: (_date_key(p["start_date"]), p["event"]["name"]),
    )


def statement_value(s: dict[str, Any], refs: dict[str, dict[str, str]]) -> Body:
    kind = s["value_type"]
    if kind == "entity":
        return {"type": kind, "entity": refs[s["value_entity_id"]]}
    if kind == "text":
        return {"type": kind, "text": s["value_text"], "lang": s["value_lang"]}
    if kind == "date":
        return {"type": kind, "date": s["value_date"]}
    return {"type": kind, "amount": s["value_amount"], "unit": s["value_unit"]}


def _statement(
    s: dict[str, Any], sources: dict[str, SourceList], refs: dict[str, dict[str, str]]
) -> Body:
    return {
        "id": s["id"],
        "property": s["property"],
        "value": statement_value(s, refs),
        "start_date": s["start_date"],
        "end_date": s["end_date"],
        "qualifier": s["qualifier"],
        "inferred": s["inferred"],
        "sources": sources.get(s["id"], []),
    }


def load_names(session: Session, ids: Collection[str], as_of: str | None) -> dict[str, str]:
    """Display names for entities: their name, or the name valid at ``as_of``."""
    if not ids:
        return {}
    names = {
        row.id: row.name
        for row in session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids)))
    }
    if as_of is None:
        return names
    aliases: dict[str, list[Any]] = defaultdict(list)
    statement = select(Alias.__table__).where(
        Alias.entity_id.in_(ids), Alias.lang == "en", Alias.kind.in_(NAME_KINDS)
    )
    for row in session.execute(statement):
        aliases[row.entity_id].append(row)
    return {eid: name_at(name, aliases.get(eid, []), as_of) for eid, name in names.items()}
