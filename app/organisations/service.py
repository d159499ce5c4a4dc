from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.pagination import PageParams
from app.models import Entity, Organisation
from app.provenance.listing import entity_page

SORT_COLUMNS: dict[str, Any] = {
    "id": Entity.id,
    "name": Entity.name,
    "founding_date": Organisation.__table__.c.founding_date,
}


def list_organisations(
    *, session: Session, sort: str, page: PageParams, as_of: str | None = None
) -> tuple[list[bytes], int]:
    # The type column, not a join, unless the sort needs the organisation's own column:
    # the (type, name) index then serves the count and the id and name sorts.
    statement = select(Entity.id).where(Entity.type == "organisation")
    if sort.removeprefix("-") == "founding_date":
        statement = statement.join(Organisation.__table__, Organisation.__table__.c.id == Entity.id)
    return entity_page(session, statement, SORT_COLUMNS, sort, page, as_of)
