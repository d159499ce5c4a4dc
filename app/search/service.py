"""Ranked search over every name and alias of every entity, through indexes.

Three stages, each an indexed query over ``search_name`` (see docs/search.md):

1. exact: the query's skeleton equals a name's key, or its sorted words equal the
   name's sorted words (another word order);
2. prefix: every query word is the start of a word of the name (``search_token``,
   B-tree range scans);
3. fuzzy: trigram candidates (pg_trgm on PostgreSQL, FTS5 on SQLite), rescored
   with rapidfuzz and kept above a similarity floor.

Each entity keeps its best-scoring name. Scores fall in bands so that any exact
match outranks any prefix match, which outranks any fuzzy one; ties are broken by
how much the knowledge base knows about the entity (its ``weight``), then by name.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, literal, select, text, union_all
from sqlalchemy.orm import Session

from app.core.errors import InvalidParameterError
from app.core.names import name_tokens
from app.models import SearchName, SearchToken

EXACT = 1.0
REORDERED = 0.95
PREFIX_FLOOR, PREFIX_SPAN = 0.6, 0.3
FUZZY_CEILING = 0.59
FUZZY_MIN_SIMILARITY = 0.75
FUZZY_CANDIDATES = 200
PREFIX_CANDIDATES = 2000
# One past 'z' in byte order: [t, t + '{') is every string starting with t.
_AFTER = "{"


@dataclass(frozen=True)
class Hit:
    entity_id: str
    entity_type: str
    score: float
    weight: int
    name: str
    lang: str
    kind: str


def _name_rows(session: Session, ids: Collection[str]) -> list[Any]:
    if not ids:
        return []
    return list(session.execute(select(SearchName).where(SearchName.id.in_(ids))).scalars())


def _typed(statement: Any, types: Sequence[str]) -> Any:
    return statement.where(SearchName.entity_type.in_(types)) if types else statement


def _exact(session: Session, key: str, sorted_words: str, types: Sequence[str]) -> list[Hit]:
    statement = _typed(
        select(SearchName).where((SearchName.key == key) | (SearchName.sorted_key == sorted_words)),
        types,
    )
    return [_hit(row, EXACT if row.key == key else REORDERED) for row in session.scalars(statement)]


def _prefix(session: Session, tokens: list[str], types: Sequence[str]) -> list[Hit]:
    per_token = [
        select(SearchToken.search_name_id, literal(i).label("word")).where(
            SearchToken.token >= token, SearchToken.token < token + _AFTER
        )
        for i, token in enumerate(dict.fromkeys(tokens))
    ]
    matches = union_all(*per_token).subquery()
    wanted = len(per_token)
    ids = (
        select(matches.c.search_name_id)
        .group_by(matches.c.search_name_id)
        .having(func.count(func.distinct(matches.c.word)) == wanted)
        .limit(PREFIX_CANDIDATES)
    )
    statement = _typed(select(SearchName).where(SearchName.id.in_(ids)), types)
    query_letters = sum(len(t) for t in tokens)
    hits = []
    for row in session.scalars(statement):
        coverage = min(1.0, query_letters / max(1, len(row.key.replace(" ", ""))))
        hits.append(_hit(row, PREFIX_FLOOR + PREFIX_SPAN * coverage * 0.999))
    return hits


def _fuzzy_candidate_ids(session: Session, key: str) -> list[str]:
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT id FROM search_name WHERE key % :key "
                "ORDER BY similarity(key, :key) DESC LIMIT :limit"
            ),
            {"key": key, "limit": FUZZY_CANDIDATES},
        )
        return [r[0] for r in rows]
    grams = sorted({key[i : i + 3] for i in range(len(key) - 2)})
    match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
    rows = session.execute(
        text(
            "SELECT search_name_id FROM search_name_fts WHERE search_name_fts MATCH :match "
            "ORDER BY rank LIMIT :limit"
        ),
        {"match": match, "limit": FUZZY_CANDIDATES},
    )
    return [r[0] for r in rows]


def similarity(query_key: str, name_key: str) -> float:
    """Edit-distance similarity in [0, 1], insensitive to word order."""
    return max(fuzz.ratio(query_key, name_key), fuzz.token_sort_ratio(query_key, name_key)) / 100


def _fuzzy(session: Session, key: str, types: Sequence[str]) -> list[Hit]:
    if len(key) < 3:
        return []
    hits = []
    for row in _name_rows(session, _fuzzy_candidate_ids(session, key)):
        if types and row.entity_type not in types:
            continue
        score = similarity(key, row.key)
        if score >= FUZZY_MIN_SIMILARITY:
            hits.append(_hit(row, FUZZY_CEILING * score))
    return hits


def _hit(row: SearchName, score: float) -> Hit:
    return Hit(row.entity_id, row.entity_type, score, row.weight, row.name, row.lang, row.kind)


def _rank_key(hit: Hit) -> tuple[float, int, int, str, str]:
    # Within an entity, an official name beats an alias at the same score.
    return (-round(hit.score, 6), -hit.weight, hit.kind != "official", hit.name, hit.entity_id)


def search(session: Session, q: str, types: Sequence[str] = ()) -> list[Hit]:
    """Every matching entity once, best first."""
    tokens = name_tokens(q)
    if not tokens:
        raise InvalidParameterError("q", "has no letters or digits to search for")
    key = " ".join(tokens)
    hits = _exact(session, key, " ".join(sorted(tokens)), types)
    hits += _prefix(session, tokens, types)
    hits += _fuzzy(session, key, types)
    best: dict[str, Hit] = {}
    for hit in sorted(hits, key=_rank_key):
        best.setdefault(hit.entity_id, hit)
    return sorted(best.values(), key=_rank_key)
