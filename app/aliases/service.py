from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.pagination import PageParams
from app.core.text import fold_case_and_marks
from app.models import Alias, Entity, Source


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_aliases(
    *,
    session: Session,
    page: PageParams,
    q: str | None,
    lang: str | None,
    kind: str | None,
) -> tuple[list[dict[str, Any]], int]:
    """Aliases whose name contains ``q`` ignoring case and diacritics, with their entity."""
    statement = select(Alias.id)
    if q:
        statement = statement.where(
            Alias.name_key.like(_like_pattern(fold_case_and_marks(q)), escape="\\")
        )
    if lang:
        statement = statement.where(Alias.lang == lang)
    if kind:
        statement = statement.where(Alias.kind == kind)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        select(Alias, Entity.type, Entity.name.label("entity_name"))
        .join(Entity, Entity.id == Alias.entity_id)
        .where(
            Alias.id.in_(
                statement.order_by(Alias.name_key, Alias.id)
                .limit(page.limit)
                .offset(page.offset)
                .scalar_subquery()
            )
        )
        .order_by(Alias.name_key, Alias.id)
    ).all()
    ids = [row.Alias.id for row in rows]
    sources: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
    if ids:
        for source in session.scalars(
            select(Source).where(Source.alias_id.in_(ids)).order_by(Source.id)
        ):
            assert source.alias_id is not None
            sources[source.alias_id].append({"citation": source.citation_id, "quote": source.quote})
    items = [
        {
            "id": row.Alias.id,
            "name": row.Alias.name,
            "lang": row.Alias.lang,
            "kind": row.Alias.kind,
            "start_date": row.Alias.start_date,
            "end_date": row.Alias.end_date,
            "sources": sources[row.Alias.id],
            "entity": {"id": row.Alias.entity_id, "type": row.type, "name": row.entity_name},
        }
        for row in rows
    ]
    return items, total
