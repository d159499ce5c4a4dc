"""Paged, sorted id lists of entities; bodies come from ``load_bodies``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.core.pagination import PageParams
from app.models import Entity
from app.provenance.as_of import apply_as_of
from app.provenance.service import Body, load_bodies


def page_of_ids(
    session: Session,
    statement: Select[Any],
    sort_column: Any,
    descending: bool,
    page: PageParams,
) -> tuple[list[str], int]:
    """Ids of one page of ``statement`` (which selects ``Entity.id``), and the total.

    Rows without a value in the sort column come last in either direction; ties
    are broken by id so that pages never overlap or skip.
    """
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    ordered = statement.order_by(
        sort_column.is_(None),
        sort_column.desc() if descending else sort_column.asc(),
        Entity.id.desc() if descending else Entity.id.asc(),
    )
    ids = list(session.scalars(ordered.limit(page.limit).offset(page.offset)))
    return ids, total


def bodies_in_order(session: Session, ids: list[str], as_of: str | None = None) -> list[Body]:
    bodies = load_bodies(session, ids)
    ordered = [bodies[i] for i in ids if i in bodies]
    return [apply_as_of(b, as_of) for b in ordered] if as_of else ordered


def body_or_404(
    session: Session, entity_id: str, entity_type: str | None, as_of: str | None = None
) -> Body:
    body = load_bodies(session, [entity_id]).get(entity_id)
    if body is None:
        raise NotFoundError(f"no entity with id {entity_id!r}")
    if entity_type is not None and body["type"] != entity_type:
        raise NotFoundError(
            f"no {entity_type} with id {entity_id!r}; {entity_id!r} is a {body['type']} "
            f"(see /v1/entities/{entity_id})"
        )
    return apply_as_of(body, as_of) if as_of else body


def entity_etag(body: Body, *variant: str | None) -> str:
    """A strong validator from the entity's id and version: the body of one version is
    always the same bytes. ``variant`` (``as_of``, an old ``version``) tells apart the
    other representations of the same version."""
    parts = [str(body["id"]), f"v{body['version']}", *(v for v in variant if v)]
    return '"' + ".".join(parts) + '"'


def parse_sort(sort: str) -> tuple[str, bool]:
    return sort.removeprefix("-"), sort.startswith("-")


def entity_page(
    session: Session,
    statement: Select[Any],
    sort_columns: dict[str, Any],
    sort: str,
    page: PageParams,
    as_of: str | None = None,
) -> tuple[list[Body], int]:
    """One page of full bodies for ``statement`` (selecting ``Entity.id``), sorted by ``sort``."""
    key, descending = parse_sort(sort)
    ids, total = page_of_ids(session, statement, sort_columns[key], descending, page)
    return bodies_in_order(session, ids, as_of), total
