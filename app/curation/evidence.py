"""The data rules every write obeys, the same as ``kb seed``'s (app.rules.checks): at
least one source per fact, known citations, and a quote that cites the article or one
of its references verbatim in the article."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from app.core.errors import InvalidBodyError
from app.core.text import normalise_whitespace
from app.ingest.article import Article
from app.models import Citation, Entity
from app.rules.checks import Evidence, Problem, check_has_sources, check_sources
from app.rules.records import SourceRecord

ARTICLE_FILE = "article.txt"


@lru_cache(maxsize=4)
def article_text(data_dir: Path) -> str:
    return Article.from_file(data_dir / ARTICLE_FILE).normalised


def source_problems(
    conn: Connection, data_dir: Path, sources: list[SourceRecord], loc: str = "sources"
) -> list[Problem]:
    """Problems with the sources of one fact. A citation a document owns (the article
    and its numbered references) needs its quote verbatim in the article; a source
    added through ``POST /v1/citations`` is quoted as the curator read it."""
    problems = check_has_sources(len(sources), loc)
    wanted = {s.citation for s in sources}
    known = {
        row.id: row.document_id
        for row in conn.execute(
            select(Citation.id, Citation.document_id).where(Citation.id.in_(wanted))
        )
    }
    article = article_text(data_dir)
    evidence = [Evidence(f"{loc}.{i}", s.citation, s.quote) for i, s in enumerate(sources)]
    problems += check_sources(
        [e for e in evidence if known.get(e.citation) is not None or e.citation not in known],
        quote_in_article=article.__contains__,
        citations=set(known),
    )
    return problems


def source_rows(sources: Iterable[SourceRecord]) -> list[tuple[str, str]]:
    return [(s.citation, normalise_whitespace(s.quote)) for s in sources]


def reference_problems(
    conn: Connection, references: Iterable[tuple[str, str | None, tuple[str, ...]]]
) -> list[Problem]:
    """Each ``(loc, entity id, allowed types)`` names an existing entity of one of the
    allowed types (any type when the tuple is empty)."""
    wanted = [(loc, eid, types) for loc, eid, types in references if eid]
    if not wanted:
        return []
    found = {
        row.id: row.type
        for row in conn.execute(
            select(Entity.id, Entity.type).where(Entity.id.in_({e for _, e, _ in wanted}))
        )
    }
    problems: list[Problem] = []
    for loc, eid, types in wanted:
        actual = found.get(str(eid))
        if actual is None:
            problems.append((loc, f"no entity with id {eid!r}"))
        elif types and actual not in types:
            problems.append((loc, f"must be a {' or '.join(types)}; {eid!r} is a {actual}"))
    return problems


def raise_problems(problems: list[Problem]) -> None:
    if problems:
        raise InvalidBodyError(problems)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge key by key, ``null`` removes a key, any
    other value (lists included) replaces. The whole algorithm is this function."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
