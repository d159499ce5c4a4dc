from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.pagination import PageParams
from app.models import Entity, Organisation
from app.provenance.listing import entity_page

ORGANISATION = Organisation.__table__.c
SORT_COLUMNS: dict[str, Any] = {"name": Entity.name, "founding_date": ORGANISATION.founding_date}


def list_organisations(
    *, session: Session, sort: str, page: PageParams, as_of: str | None = None
) -> tuple[list[bytes], int]:
    # One table, never a join: the (type, name) index serves the count and the id and
    # name sorts; the founding date sort reads the organisation table alone (a join
    # made every count look up 30,000 entities at 100k, 50 ms).
    if sort.removeprefix("-") == "founding_date":
        statement = select(ORGANISATION.id)
    else:
        statement = select(Entity.id).where(Entity.type == "organisation")
    return entity_page(session, statement, SORT_COLUMNS, sort, page, as_of)
