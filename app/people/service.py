from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.pagination import PageParams
from app.models import Entity
from app.provenance.listing import entity_page

SORT_COLUMNS: dict[str, Any] = {"name": Entity.name}  # and "id"


def list_people(
    *, session: Session, sort: str, page: PageParams, as_of: str | None = None
) -> tuple[list[bytes], int]:
    # The type column, not a join: its (type, name) index serves the count and both sorts.
    statement = select(Entity.id).where(Entity.type == "person")
    return entity_page(session, statement, SORT_COLUMNS, sort, page, as_of)
