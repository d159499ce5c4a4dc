"""Assemble entity bodies, every fact with its sources, in a fixed number of queries.

Whatever the number of entities asked for and however many aliases, memberships,
relations or events they have, ``load_bodies`` runs the same ten SELECTs: one per
fact table over the whole batch, one for every source of every fact, and one for
the names of every entity referred to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from app.models import (
    Alias,
    Claim,
    Concept,
    Entity,
    Event,
    EventFigure,
    EventPlace,
    Membership,
    Organisation,
    Participation,
    Person,
    Place,
    Relation,
    Source,
    Statement,
)
from app.models.source import FACT_COLUMNS
from app.provenance.as_of import NAME_KINDS, name_at
from app.provenance.changes import iso_timestamp

Body = dict[str, Any]
SourceList = list[dict[str, str]]


def _rows(session: Session, statement: Select[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(statement).mappings()]


def _entity_rows(session: Session, ids: Collection[str]) -> list[dict[str, Any]]:
    # Core tables, not the mapped subclasses: a subclass entity would join ``entity`` again.
    org, person, event, place, concept = (
        Organisation.__table__.c,
        Person.__table__.c,
        Event.__table__.c,
        Place.__table__.c,
        Concept.__table__.c,
    )
    statement = (
        select(
            Entity.id,
            Entity.type,
            Entity.name,
            Entity.description,
            Entity.version,
            Entity.updated_at,
            org.classification.label("org_classification"),
            org.founding_date,
            org.dissolution_date,
            org.headquarters_id,
            org.website,
            org.political_position,
            org.colours,
            person.birth_date,
            person.death_date,
            event.classification.label("event_classification"),
            event.start_date,
            event.end_date,
            place.classification.label("place_classification"),
            place.country,
            place.part_of_id,
            concept.classification.label("concept_classification"),
        )
        .select_from(Entity.__table__)
        .outerjoin(Organisation.__table__, org.id == Entity.id)
        .outerjoin(Person.__table__, person.id == Entity.id)
        .outerjoin(Event.__table__, event.id == Entity.id)
        .outerjoin(Place.__table__, place.id == Entity.id)
        .outerjoin(Concept.__table__, concept.id == Entity.id)
        .where(Entity.id.in_(ids))
    )
    return _rows(session, statement)


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
    return (1, 0) if citation == "article" else (0, int(citation.removeprefix("ref-")))


def _date_key(value: str | None) -> str:
    return value or "9999"


def load_refs(session: Session, ids: Iterable[str]) -> dict[str, dict[str, str]]:
    wanted = set(ids)
    if not wanted:
        return {}
    statement = select(Entity.id, Entity.type, Entity.name).where(Entity.id.in_(wanted))
    return {row["id"]: dict(row) for row in session.execute(statement).mappings()}


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


def _fetch(session: Session, statement: Any, ids: list[str]) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(statement, {"ids": ids}).mappings()]


def load_bodies(session: Session, ids: Collection[str]) -> dict[str, Body]:
    """Full bodies for the given entity ids (missing ids are simply absent)."""
    if not ids:
        return {}
    entities = _entity_rows(session, ids)
    found = [e["id"] for e in entities]
    if not found:
        return {}
    aliases = _fetch(session, _ALIASES, found)
    claims = _fetch(session, _CLAIMS, found)
    memberships = _fetch(session, _MEMBERSHIPS, found)
    relations = _fetch(session, _RELATIONS, found)
    participations = _fetch(session, _PARTICIPATIONS, found)
    event_places = _fetch(session, _EVENT_PLACES, found)
    figures = _fetch(session, _FIGURES, found)
    statements = _fetch(session, _STATEMENTS, found)
    sources = _sources(
        session,
        {
            "entity_id": found,
            "alias_id": [a["id"] for a in aliases],
            "claim_id": [c["id"] for c in claims],
            "membership_id": [m["id"] for m in memberships],
            "relation_id": [r["id"] for r in relations],
            "participation_id": [p["id"] for p in participations],
            "event_place_id": [p["id"] for p in event_places],
            "event_figure_id": [f["id"] for f in figures],
            "statement_id": [s["id"] for s in statements],
        },
    )
    referenced = {e["headquarters_id"] for e in entities} | {e["part_of_id"] for e in entities}
    for m in memberships:
        referenced |= {m["person_id"], m["organisation_id"]}
    for r in relations:
        referenced |= {r["subject_id"], r["object_id"]}
    for p in participations:
        referenced |= {p["event_id"], p["entity_id"]}
    for p in event_places:
        referenced |= {p["event_id"], p["place_id"]}
    referenced |= {s["value_entity_id"] for s in statements}
    referenced.discard(None)
    refs = load_refs(session, referenced)
    return {
        e["id"]: _assemble(
            e,
            aliases,
            claims,
            memberships,
            relations,
            participations,
            event_places,
            figures,
            statements,
            sources,
            refs,
        )
        for e in entities
    }


def _assemble(
    e: dict[str, Any],
    aliases: list[dict[str, Any]],
    claims: list[dict[str, Any]],
    memberships: list[dict[str, Any]],
    relations: list[dict[str, Any]],
    participations: list[dict[str, Any]],
    event_places: list[dict[str, Any]],
    figures: list[dict[str, Any]],
    statements: list[dict[str, Any]],
    sources: dict[str, SourceList],
    refs: dict[str, dict[str, str]],
) -> Body:
    eid, etype = e["id"], e["type"]
    disputed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in claims:
        if c["entity_id"] == eid:
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
            for a in aliases
            if a["entity_id"] == eid
        ],
        "sources": sources.get(eid, []),
        "disputed": dict(disputed),
        "relations": _relations(eid, relations, sources, refs),
        "statements": [_statement(s, sources, refs) for s in statements if s["subject_id"] == eid],
    }
    if etype == "organisation":
        body |= {
            "classification": e["org_classification"],
            "founding_date": e["founding_date"],
            "dissolution_date": e["dissolution_date"],
            "headquarters": refs.get(e["headquarters_id"] or ""),
            "website": e["website"],
            "political_position": e["political_position"],
            "colours": e["colours"],
            "memberships": sorted(
                (
                    {
                        "id": m["id"],
                        "person": refs[m["person_id"]],
                        "role": m["role"],
                        "start_date": m["start_date"],
                        "end_date": m["end_date"],
                        "inferred": m["inferred"],
                        "sources": sources.get(m["id"], []),
                    }
                    for m in memberships
                    if m["organisation_id"] == eid
                ),
                key=lambda m: (_date_key(m["start_date"]), m["person"]["name"]),
            ),
            "events": _events_of(eid, participations, sources, refs),
        }
    elif etype == "person":
        body |= {
            "birth_date": e["birth_date"],
            "death_date": e["death_date"],
            "memberships": sorted(
                (
                    {
                        "id": m["id"],
                        "organisation": refs[m["organisation_id"]],
                        "role": m["role"],
                        "start_date": m["start_date"],
                        "end_date": m["end_date"],
                        "inferred": m["inferred"],
                        "sources": sources.get(m["id"], []),
                    }
                    for m in memberships
                    if m["person_id"] == eid
                ),
                key=lambda m: (_date_key(m["start_date"]), m["organisation"]["name"]),
            ),
            "events": _events_of(eid, participations, sources, refs),
        }
    elif etype == "event":
        body |= {
            "classification": e["event_classification"],
            "start_date": e["start_date"],
            "end_date": e["end_date"],
            "places": [
                {**refs[p["place_id"]], "fact_id": p["id"], "sources": sources.get(p["id"], [])}
                for p in event_places
                if p["event_id"] == eid
            ],
            "participants": sorted(
                (
                    {
                        "id": p["id"],
                        "entity": refs[p["entity_id"]],
                        "role": p["role"],
                        "inferred": p["inferred"],
                        "sources": sources.get(p["id"], []),
                    }
                    for p in participations
                    if p["event_id"] == eid
                ),
                key=lambda p: (p["entity"]["name"], p["role"]),
            ),
            "figures": [
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
                for f in figures
                if f["event_id"] == eid
            ],
        }
    elif etype == "concept":
        body |= {"classification": e["concept_classification"]}
    else:
        body |= {
            "classification": e["place_classification"],
            "country": e["country"],
            "part_of": refs.get(e["part_of_id"] or ""),
            "events": sorted(
                (
                    {
                        "id": p["id"],
                        "event": refs[p["event_id"]],
                        "role": "place",
                        "start_date": p["start_date"],
                        "inferred": False,
                        "sources": sources.get(p["id"], []),
                    }
                    for p in event_places
                    if p["place_id"] == eid
                ),
                key=lambda p: (_date_key(p["start_date"]), p["event"]["name"]),
            ),
        }
    return body


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
        elif r["object_id"] == eid:
            direction, target = "incoming", r["subject_id"]
        else:
            continue
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
    aliases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    statement = select(Alias.__table__).where(
        Alias.entity_id.in_(ids), Alias.lang == "en", Alias.kind.in_(NAME_KINDS)
    )
    for row in session.execute(statement).mappings():
        aliases[row["entity_id"]].append(dict(row))
    return {
        eid: name_at({"name": name, "aliases": aliases.get(eid, [])}, as_of)
        for eid, name in names.items()
    }
