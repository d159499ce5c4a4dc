from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from app.aliases import service
from app.aliases.schemas import AliasWithEntity
from app.core.dependencies import NO_NUL, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep
from app.core.responses import page_body

router = APIRouter()

Lang = Literal["en", "kk-Cyrl", "kk-Latn", "ru-Cyrl", "ru-Latn", "uk-Cyrl", "uk-Latn"]
Kind = Literal["official", "former", "abbreviation", "romanization", "translation", "other"]


@router.get(
    "", response_model=Page[AliasWithEntity], responses=error_responses(422), summary="List aliases"
)
def list_aliases(
    request: Request,
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="Only names containing this text, ignoring case and diacritics.",
            examples=["социалист"],
        ),
    ] = None,
    lang: Annotated[Lang | None, Query(description="Only names in this language.")] = None,
    kind: Annotated[Kind | None, Query(description="Only names of this kind.")] = None,
) -> dict[str, Any]:
    """Every name variant of every entity, each with its entity reference and sources."""
    items, total = service.list_aliases(session=session, page=page, q=q, lang=lang, kind=kind)
    return page_body(request, page, items, total)
