"""Paged, sorted id lists of entities; bodies come from ``load_bodies``."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.core.pagination import PageParams
from app.models import Entity
from app.provenance.as_of import apply_as_of
from app.provenance.schemas import AnyEntityRead
from app.provenance.service import load_bodies

Model = TypeVar("Model", bound=AnyEntityRead)


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


def bodies_in_order(
    session: Session, ids: list[str], as_of: str | None = None
) -> list[AnyEntityRead]:
    bodies = load_bodies(session, ids)
    ordered = [bodies[i] for i in ids if i in bodies]
    return [apply_as_of(b, as_of) for b in ordered] if as_of else ordered


def entity_or_404(session: Session, entity_id: str, as_of: str | None = None) -> AnyEntityRead:
    body = load_bodies(session, [entity_id]).get(entity_id)
    if body is None:
        raise NotFoundError(f"no entity with id {entity_id!r}")
    return apply_as_of(body, as_of) if as_of else body


def body_or_404(
    session: Session, entity_id: str, model: type[Model], as_of: str | None = None
) -> Model:
    """The entity, which must be of the model's type (a 404 names its real type)."""
    body = entity_or_404(session, entity_id, as_of)
    if not isinstance(body, model):
        wanted = model.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
        raise NotFoundError(
            f"no {wanted} with id {entity_id!r}; {entity_id!r} is a {body.type} "
            f"(see /v1/entities/{entity_id})"
        )
    return body


def tagged_body_or_404(
    session: Session,
    response: Response,
    entity_id: str,
    model: type[Model],
    as_of: str | None,
) -> Model:
    """``body_or_404``, with the entity's ETag set on the response."""
    body = body_or_404(session, entity_id, model, as_of)
    response.headers["ETag"] = entity_etag(
        body.id, body.version, f"as-of-{as_of}" if as_of else None
    )
    return body


def entity_etag(entity_id: str, version: int, *variant: str | None) -> str:
    """A strong validator from the entity's id and version: the body of one version is
    always the same bytes. ``variant`` (``as_of``, an old ``version``) tells apart the
    other representations of the same version."""
    parts = [entity_id, f"v{version}", *(v for v in variant if v)]
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
) -> tuple[list[AnyEntityRead], int]:
    """One page of full bodies for ``statement`` (selecting ``Entity.id``), sorted by ``sort``."""
    key, descending = parse_sort(sort)
    ids, total = page_of_ids(session, statement, sort_columns[key], descending, page)
    return bodies_in_order(session, ids, as_of), total
