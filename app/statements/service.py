"""Statements across the knowledge base, filtered by subject, property and value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.core.errors import UnknownReferenceError
from app.core.pagination import PageParams
from app.core.text import fold_case_and_marks
from app.core.vocabulary import PROPERTIES, PROPERTY_BY_ID, Property
from app.models import Entity, Source, Statement
from app.provenance.service import load_refs, statement_value


def property_body(prop: Property) -> dict[str, Any]:
    return {
        "id": prop.id,
        "label": prop.label,
        "description": prop.description,
        "value_types": list(prop.value_types),
        "subject_types": list(prop.subject_types),
    }


def all_properties() -> list[dict[str, Any]]:
    return [property_body(p) for p in PROPERTIES]


def find_property(property_id: str) -> Property | None:
    return PROPERTY_BY_ID.get(property_id)


def list_statements(
    session: Session,
    *,
    page: PageParams,
    subject: str | None,
    property_id: str | None,
    value: str | None,
) -> tuple[list[dict[str, Any]], int]:
    """``value`` matches an entity value by id, a text value without regard to case or
    diacritics, or a date value exactly."""
    statement = select(Statement.id)
    if subject is not None and session.get(Entity, subject) is None:
        raise UnknownReferenceError("subject", subject)
    if subject is not None:
        statement = statement.where(Statement.subject_id == subject)
    if property_id is not None:
        statement = statement.where(Statement.property == property_id)
    if value is not None:
        folded = fold_case_and_marks(value)
        statement = statement.where(
            or_(
                Statement.value_entity_id == value,
                Statement.value_entity_id.in_(
                    select(Entity.id).where(func.lower(Entity.name) == value.lower())
                ),
                Statement.value_date == value,
                func.lower(Statement.value_text) == value.lower(),
                func.lower(Statement.value_text) == folded,
            )
        )
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    ids = list(
        session.scalars(
            statement.order_by(Statement.subject_id, Statement.property, Statement.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    if not ids:
        return [], total
    rows = {
        row["id"]: dict(row)
        for row in session.execute(
            select(Statement.__table__).where(Statement.id.in_(ids))
        ).mappings()
    }
    sources: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
    for source in session.execute(
        select(Source.statement_id, Source.citation_id, Source.quote)
        .where(Source.statement_id.in_(ids))
        .order_by(Source.citation_id, Source.quote)
    ):
        sources[source.statement_id].append({"citation": source.citation_id, "quote": source.quote})
    refs = load_refs(
        session,
        {r["subject_id"] for r in rows.values()}
        | {r["value_entity_id"] for r in rows.values() if r["value_entity_id"]},
    )
    items = []
    for statement_id in ids:
        row = rows[statement_id]
        items.append(
            {
                "id": statement_id,
                "subject": refs[row["subject_id"]],
                "property": row["property"],
                "value": statement_value(row, refs),
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "qualifier": row["qualifier"],
                "inferred": row["inferred"],
                "sources": sources[statement_id],
            }
        )
    return items, total
