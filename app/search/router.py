from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.core.cpu_lane import in_cpu_lane
from app.core.dependencies import SEARCH_TEXT, AsOfDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page, PageDep, PageParams
from app.core.responses import page_response
from app.core.vocabulary import EntityType
from app.provenance.service import load_names
from app.search import service
from app.search.schemas import SearchHit
from app.search.vocabulary import Vocabulary, vocabulary

router = APIRouter()


@router.get(
    "",
    response_model=Page[SearchHit],
    responses=error_responses(422),
    summary="Find entities by any name",
)
async def search(
    request: Request,
    session: SessionDep,
    page: PageDep,
    as_of: AsOfDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=SEARCH_TEXT,
            description="Any name or alias, in any script or romanisation; case, diacritics, "
            "word order and small typos do not matter. Words in parentheses narrow the "
            "result to entities related to them.",
            examples=["Sotsialisticheskoe Dvizhenie Kazakhstana"],
        ),
    ],
    entity_type: Annotated[
        list[EntityType] | None,
        Query(alias="type", description="Only these entity types (repeat for several)."),
    ] = None,
) -> Response:
    """Ranked search over every name and alias of every entity: exact matches first,
    then word prefixes, then fuzzy matches, then partial matches (some of the words, or
    words of a description, statement or related name); each hit says which name
    matched and where each query word was found. A disambiguator in parentheses,
    "Revolutionary Workers' Party (Russia)", keeps the matches of the other words
    whose entity is related to it."""
    return await in_cpu_lane(
        request,
        lambda: search_page(
            request,
            page,
            vocabulary(session),
            q,
            entity_type or (),
            lambda ids: load_names(session, ids, as_of),
            own_names=as_of is None,
        ),
    )


def search_page(
    request: Request,
    page: PageParams,
    vocab: Vocabulary,
    q: str,
    types: Sequence[str],
    read_names: Callable[[list[str]], dict[str, str]],
    *,
    own_names: bool = True,
) -> Response:
    """The page of hits. Each hit's entity is named by its own name as search holds it
    in memory (``own_names``), or else by ``read_names`` (from the database: a name as
    of a date, or a name search does not hold)."""
    hits = service.search(vocab, q, types, rank_first=page.offset + page.limit)
    window = hits[page.offset : page.offset + page.limit]
    ids = [h.entity_id for h in window]
    names = service.own_names(vocab, ids) if own_names else {}
    if len(names) < len(ids):
        names |= read_names([i for i in ids if i not in names])
    items = [
        {
            "id": h.entity_id,
            "type": h.entity_type,
            "name": names[h.entity_id],
            "score": round(h.score, 4),
            "matched": {
                "name": h.name,
                "lang": h.lang,
                "kind": h.kind,
                "field": h.field,
                "words": [{"word": w.word, "field": w.field} for w in h.words],
                "unmatched": list(h.unmatched),
            },
        }
        for h in window
    ]
    return page_response(request, page, items, len(hits))
