"""Citations and, for one citation, every fact that cites it (batched by fact table)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.core.pagination import PageParams
from app.models import (
    Alias,
    Citation,
    Claim,
    EventFigure,
    EventPlace,
    Membership,
    Participation,
    Relation,
    Source,
    Statement,
)
from app.models.source import FACT_COLUMNS
from app.provenance.service import load_refs

CITATION_SORT: dict[str, Any] = {
    "number": Citation.number,
    "id": Citation.id,
    "published_date": Citation.published_date,
}


def _citation_dict(citation: Citation) -> dict[str, Any]:
    return {c.name: getattr(citation, c.name) for c in Citation.__table__.columns}


def list_citations(
    *, session: Session, sort: str, page: PageParams
) -> tuple[list[dict[str, Any]], int]:
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    column = CITATION_SORT[key]
    total = session.scalar(select(func.count()).select_from(Citation)) or 0
    statement = (
        select(Citation)
        .order_by(column.is_(None), column.desc() if descending else column.asc(), Citation.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return [_citation_dict(c) for c in session.scalars(statement)], total


def get_citation(*, session: Session, citation_id: str) -> dict[str, Any]:
    citation = session.get(Citation, citation_id)
    if citation is None:
        raise NotFoundError(f"no citation with id {citation_id!r}")
    return {**_citation_dict(citation), "cited_by": cited_by(session, citation_id)}


_FACT_TABLES: dict[str, Any] = {
    "alias_id": Alias,
    "membership_id": Membership,
    "relation_id": Relation,
    "participation_id": Participation,
    "event_place_id": EventPlace,
    "event_figure_id": EventFigure,
    "claim_id": Claim,
    "statement_id": Statement,
}


def _describe(column: str, row: Any) -> tuple[str, list[str], str]:
    """(subject entity id, other entity ids, one-line statement) of a fact row."""
    if column == "alias_id":
        return row.entity_id, [], f"also named {row.name!r} ({row.lang}, {row.kind})"
    if column == "membership_id":
        return row.organisation_id, [row.person_id], f"{row.person_id} {row.role}"
    if column == "relation_id":
        return row.subject_id, [row.object_id], f"{row.subject_id} {row.relation} {row.object_id}"
    if column == "participation_id":
        return row.event_id, [row.entity_id], f"{row.entity_id} took part as {row.role}"
    if column == "event_place_id":
        return row.event_id, [row.place_id], f"took place in {row.place_id}"
    if column == "event_figure_id":
        value = f"{row.value:g}"
        return row.event_id, [], f"{row.measure}: {row.qualifier.replace('_', ' ')} {value}"
    if column == "statement_id":
        return (
            row.subject_id,
            [row.value_entity_id] if row.value_entity_id else [],
            (f"{row.property}: {_statement_value(row)}"),
        )
    return row.entity_id, [], f"{row.field} = {row.value} (disputed)"


def _statement_value(row: Any) -> str:
    if row.value_type == "entity":
        return str(row.value_entity_id)
    if row.value_type == "text":
        return str(row.value_text)
    if row.value_type == "date":
        return str(row.value_date)
    return f"{row.value_amount:g}" + (f" {row.value_unit}" if row.value_unit else "")


def cited_by(session: Session, citation_id: str) -> list[dict[str, Any]]:
    sources = list(
        session.scalars(select(Source).where(Source.citation_id == citation_id).order_by(Source.id))
    )
    wanted: dict[str, set[str]] = defaultdict(set)
    for source in sources:
        column = next(c for c in FACT_COLUMNS if getattr(source, c))
        wanted[column].add(getattr(source, column))
    rows: dict[str, Any] = {}
    for column, ids in wanted.items():
        if column in _FACT_TABLES:
            model = _FACT_TABLES[column]
            rows |= {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}
    facts: list[tuple[str, str, list[str], str, str]] = []
    for source in sources:
        column = next(c for c in FACT_COLUMNS if getattr(source, c))
        target = getattr(source, column)
        related: list[str]
        if column == "entity_id":
            subject, related, statement = target, [], "the entity itself"
        else:
            subject, related, statement = _describe(column, rows[target])
        facts.append((column.removesuffix("_id"), subject, related, statement, source.quote))
    involved = {f[1] for f in facts} | {other for f in facts for other in f[2]}
    refs = load_refs(session, involved)
    out: list[dict[str, Any]] = [
        {
            "fact": kind,
            "entity": refs[subject],
            "related": [refs[r] for r in related],
            "statement": statement,
            "quote": quote,
        }
        for kind, subject, related, statement, quote in facts
    ]
    out.sort(key=lambda f: (f["entity"]["id"], f["fact"], f["statement"]))
    return out
