"""Ranked search over every name and alias of every entity, through indexes.

Three stages, each an indexed query over ``search_name`` (see docs/search.md):

1. exact: the query's skeleton equals a name's key, or its sorted words equal the
   name's sorted words (another word order);
2. prefix: every query word is the start of a word of the name (``search_token``,
   B-tree range scans, driven by the most selective query word);
3. fuzzy: query words matched against the vocabulary of name words in memory, the
   rarest word's spellings looked up through the token B-tree, candidates rescored
   with rapidfuzz and kept above a similarity floor.

Each entity keeps its best-scoring name. Scores fall in bands so that any exact
match outranks any prefix match, which outranks any fuzzy one; ties are broken by
how much the knowledge base knows about the entity (its ``weight``), then by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.orm import Session

from app.core.errors import InvalidParameterError
from app.core.names import name_tokens
from app.models import SearchName, SearchToken
from app.search.vocabulary import vocabulary

EXACT = 1.0
REORDERED = 0.95
PREFIX_FLOOR, PREFIX_SPAN = 0.6, 0.3
FUZZY_CEILING = 0.59
FUZZY_MIN_SIMILARITY = 0.75
FUZZY_CANDIDATES = 1000
PREFIX_CANDIDATES = 1000
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


# Core rows, not ORM objects: candidate sets run to a thousand rows.
NAME_COLUMNS = (
    SearchName.entity_id,
    SearchName.entity_type,
    SearchName.name,
    SearchName.lang,
    SearchName.kind,
    SearchName.key,
    SearchName.weight,
)


def _typed(statement: Any, types: Sequence[str]) -> Any:
    return statement.where(SearchName.entity_type.in_(types)) if types else statement


def _exact(session: Session, key: str, sorted_words: str, types: Sequence[str]) -> list[Hit]:
    statement = _typed(
        select(*NAME_COLUMNS).where(
            (SearchName.key == key) | (SearchName.sorted_key == sorted_words)
        ),
        types,
    )
    return [_hit(row, EXACT if row.key == key else REORDERED) for row in session.execute(statement)]


def _names_with_words(
    session: Session, words: Sequence[str], *, prefix: bool, types: Sequence[str], limit: int
) -> list[Row[Any]]:
    """Search names having one of ``words`` (or a word starting with one), via the
    B-tree on ``search_token.token``; at most ``limit`` of them."""
    conditions: list[ColumnElement[bool]]
    if prefix:
        conditions = [
            (SearchToken.token >= word) & (SearchToken.token < word + _AFTER) for word in words
        ]
    else:
        conditions = [SearchToken.token.in_(list(words))]
    ids = select(SearchToken.search_name_id).where(or_(*conditions)).limit(limit)
    statement = _typed(select(*NAME_COLUMNS).where(SearchName.id.in_(ids)), types)
    return list(session.execute(statement))


def _driver(session: Session, tokens: list[str]) -> str:
    """The query word that narrows the search most: the one with fewest names."""

    def count(token: str) -> int:
        bounded = (
            select(SearchToken.id)
            .where(SearchToken.token >= token, SearchToken.token < token + _AFTER)
            .limit(PREFIX_CANDIDATES + 1)
            .subquery()
        )
        return int(session.scalar(select(func.count()).select_from(bounded)) or 0)

    return min(dict.fromkeys(tokens), key=count)


def _prefix(session: Session, tokens: list[str], types: Sequence[str]) -> list[Hit]:
    """Names in which every query word starts a word. Candidates come from the most
    selective query word (at most PREFIX_CANDIDATES of them) and are checked in full."""
    candidates = _names_with_words(
        session, [_driver(session, tokens)], prefix=True, types=types, limit=PREFIX_CANDIDATES
    )
    query_letters = sum(len(t) for t in tokens)
    hits = []
    for row in candidates:
        words = row.key.split()
        if all(any(w.startswith(t) for w in words) for t in tokens):
            coverage = min(1.0, query_letters / max(1, len(row.key.replace(" ", ""))))
            hits.append(_hit(row, PREFIX_FLOOR + PREFIX_SPAN * coverage * 0.999))
    return hits


def similarity(query_key: str, name_key: str) -> float:
    """Edit-distance similarity in [0, 1], insensitive to word order."""
    return max(fuzz.ratio(query_key, name_key), fuzz.token_sort_ratio(query_key, name_key)) / 100


def _fuzzy(session: Session, tokens: list[str], types: Sequence[str]) -> list[Hit]:
    """Names spelled like the query. Each query word is matched against the vocabulary
    of all name words; the word whose spellings occur in the fewest names supplies the
    candidates (at most FUZZY_CANDIDATES), which are scored on their whole key."""
    key = " ".join(tokens)
    words = [t for t in tokens if len(t) >= 3]
    if not words:
        return []
    vocab = vocabulary(session)
    spellings = {word: vocab.variants(word) for word in words}
    spelled = [word for word in words if spellings[word]]
    if not spelled:
        return []
    driver = min(spelled, key=lambda w: sum(vocab.frequency[v] for v in spellings[w]))
    candidates = _names_with_words(
        session, spellings[driver], prefix=False, types=types, limit=FUZZY_CANDIDATES
    )
    hits = []
    for row in candidates:
        score = similarity(key, row.key)
        if score >= FUZZY_MIN_SIMILARITY:
            hits.append(_hit(row, FUZZY_CEILING * score))
    return hits


def _hit(row: Row[Any], score: float) -> Hit:
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
    hits += _fuzzy(session, tokens, types)
    best: dict[str, Hit] = {}
    for hit in sorted(hits, key=_rank_key):
        best.setdefault(hit.entity_id, hit)
    return sorted(best.values(), key=_rank_key)
