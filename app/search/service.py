"""Ranked search over every name and alias of every entity, through indexes.

Full matches, in three stages, each an indexed query over ``search_name`` (see
docs/search.md):

1. exact: the query's skeleton equals a name's key, or its sorted words equal the
   name's sorted words (another word order);
2. prefix: every query word is the start of a word of the name (``search_token``,
   B-tree range scans, driven by the most selective query word);
3. fuzzy: query words matched against the vocabulary of name words in memory, the
   rarest word's spellings looked up through the token B-tree, candidates rescored
   with rapidfuzz and kept above a similarity floor.

Then recall beyond names:

4. a disambiguator in parentheses ("Revolutionary Workers' Party (Russia)") keeps a
   full match of the words outside it when its words are found among the entity's
   names, description, statements or related entities' names (``search_word``);
5. partial: when no name holds every word (no exact or prefix match), entities holding some of the query's
   words, in a name or in ``search_word``, each word looked up through a B-tree and
   scored by how much of the query it covers and where it was found.

Each entity keeps its best-scoring match. Scores fall in bands so that any exact
match outranks any prefix match, which outranks any fuzzy one, which outranks any
partial one; ties are broken by how much the knowledge base knows about the entity
(its ``weight``), then by name.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, Row, or_, select
from sqlalchemy.orm import Session

from app.core.names import name_tokens
from app.models import SearchName, SearchToken, SearchWord
from app.search.index import STOPWORDS
from app.search.vocabulary import SIMILAR_WORD, vocabulary

EXACT = 1.0
REORDERED = 0.95
PREFIX_FLOOR, PREFIX_SPAN = 0.6, 0.3
FUZZY_CEILING = 0.59
FUZZY_MIN_SIMILARITY = 0.75
FUZZY_CANDIDATES = 1000
PREFIX_CANDIDATES = 1000
# One past 'z' in byte order: [t, t + '{') is every string starting with t.
_AFTER = "{"

# Where a query word can be found, strongest first, and what a word found there is worth.
FIELDS = ("name", "description", "statement", "relation")
FIELD_VALUE = {"name": 1.0, "description": 0.8, "statement": 0.75, "relation": 0.75}
# How well a stored word matches a query word: the same word, a longer word it
# starts (at least MIN_PREFIX letters typed), a spelling variant (times its ratio).
PREFIX_QUALITY = 0.85
VARIANT_QUALITY = 0.9
MIN_PREFIX = 4
# Partial matches: below every full match (fuzzy starts at 0.59 x 0.75 = 0.4425).
PARTIAL_CEILING = 0.44
PARTIAL_MIN_COVERAGE = 1 / 3
# A partial score is mostly coverage; the rest is how much of the matched name the
# words cover, so "Zhanaozen" beats "Zhanaozen strike and shootings" for one word.
COVERAGE_SHARE, NAME_SHARE = 0.9, 0.1
PARTIAL_WORDS = 8
PARTIAL_CANDIDATES = 500
PARTIAL_CHECKED = 200
PARTIAL_RESULTS = 100
# Disambiguators: how many full matches of the words outside the parentheses are
# checked, and how far a weaker disambiguator match lowers the score.
DISAMBIGUATE_TOP = 200
DISAMBIGUATION_SPREAD = 0.005

_PARENTHESES = re.compile(r"\(([^()]*)\)")
_EDGE_PUNCTUATION = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum()) + "«»“”‘’„"


@dataclass(frozen=True)
class WordMatch:
    word: str  # as the query typed it
    field: str


@dataclass(frozen=True)
class Hit:
    entity_id: str
    entity_type: str
    score: float
    weight: int
    name: str
    lang: str
    kind: str
    # Where the match was ("name" for every full match), which query words matched
    # (and where), and which did not (partial matches only).
    field: str = "name"
    words: tuple[WordMatch, ...] = ()
    unmatched: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    tokens: list[str]  # every skeleton word, in order
    main: list[str]  # the words outside parentheses
    context: list[str]  # the words inside them (empty when there is no disambiguator)
    typed: dict[str, str]  # skeleton word -> the word as typed


def parse_query(q: str) -> Query:
    """The query's skeleton words, split into main words and a disambiguator."""
    typed: dict[str, str] = {}
    for chunk in q.replace("(", " ").replace(")", " ").split():
        for token in name_tokens(chunk):
            typed.setdefault(token, chunk.strip(_EDGE_PUNCTUATION) or chunk)
    tokens = name_tokens(q)
    main = name_tokens(_PARENTHESES.sub(" ", q))
    context = [t for text in _PARENTHESES.findall(q) for t in name_tokens(text)]
    if not main or not context:
        main, context = tokens, []
    return Query(tokens, main, context, typed)


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
    """The query word that narrows the search most: the one that starts the fewest
    name words (counted in the vocabulary, in memory)."""
    vocab = vocabulary(session)
    return min(dict.fromkeys(tokens), key=vocab.prefix_count)


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


def _full(
    session: Session, tokens: list[str], types: Sequence[str], *, fuzzy: bool = True
) -> dict[str, Hit]:
    """Stages 1-3: each entity whose name matches every word, with its best name."""
    key = " ".join(tokens)
    hits = _exact(session, key, " ".join(sorted(tokens)), types)
    hits += _prefix(session, tokens, types)
    if fuzzy:
        hits += _fuzzy(session, tokens, types)
    return _best(hits)


def _best(hits: Iterable[Hit]) -> dict[str, Hit]:
    best: dict[str, Hit] = {}
    for hit in sorted(hits, key=_rank_key):
        best.setdefault(hit.entity_id, hit)
    return best


def word_quality(word: str, token: str) -> float:
    """How well a stored word matches a query word, in [0, 1]."""
    if token == word:
        return 1.0
    if len(word) >= MIN_PREFIX and token.startswith(word):
        return PREFIX_QUALITY
    if len(word) >= MIN_PREFIX:
        ratio = fuzz.ratio(word, token, score_cutoff=SIMILAR_WORD) / 100
        return VARIANT_QUALITY * ratio
    return 0.0


def _token_condition(column: Any, word: str, variants: list[str]) -> ColumnElement[bool]:
    spellings = [word, *variants] if len(word) >= MIN_PREFIX else [word]
    condition: ColumnElement[bool] = column.in_(list(dict.fromkeys(spellings)))
    if len(word) >= MIN_PREFIX:
        condition = condition | ((column >= word) & (column < word + _AFTER))
    return condition


@dataclass
class _Found:
    """What one entity matched of the query's words: word -> (value, field)."""

    entity_type: str
    weight: int
    words: dict[str, tuple[float, str]] = field(default_factory=dict)
    # The names that matched (search_name id, or a Hit's entity id), with their words.
    names: dict[str, set[str]] = field(default_factory=dict)
    hit: Hit | None = None  # a full match of the main words, when seeded from one

    def add(self, word: str, value: float, where: str) -> None:
        if value > self.words.get(word, (0.0, ""))[0]:
            self.words[word] = (value, where)


def _spellings(session: Session, words: Iterable[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Each word's spelling variants among name words and among search words."""
    vocab = vocabulary(session)
    return {
        word: (vocab.variants(word), vocab.field_variants(word))
        if len(word) >= MIN_PREFIX
        else ([], [])
        for word in words
    }


def _frequency(session: Session, word: str, variants: tuple[list[str], list[str]]) -> int:
    """About how many names and search words a word and its spellings are in."""
    vocab = vocabulary(session)
    names, fields = variants
    return sum(vocab.frequency.get(v, 0) for v in {word, *names}) + sum(
        vocab.field_frequency.get(v, 0) for v in {word, *fields}
    )


def _find_words(
    session: Session,
    words: Sequence[str],
    types: Sequence[str],
    *,
    entity_ids: Sequence[str] = (),
    field_values: dict[str, float] = FIELD_VALUE,
    found: dict[str, _Found] | None = None,
    spellings: dict[str, tuple[list[str], list[str]]] | None = None,
) -> tuple[dict[str, _Found], list[str]]:
    """Entities holding each word (or a longer word it starts, or a spelling of it)
    in a name or a search word: per word, one B-tree lookup in ``search_token`` and
    one in ``search_word``, at most PARTIAL_CANDIDATES rows each unless restricted
    to ``entity_ids``. Also returns the words whose lookups were cut short."""
    spellings = spellings or _spellings(session, words)
    found = {} if found is None else found
    limit = max(PARTIAL_CANDIDATES, len(entity_ids) * 8)
    truncated = []
    for word in words:
        quality: dict[str, float] = {}
        variants, field_variants = spellings[word]
        names = (
            select(
                SearchName.entity_id,
                SearchName.entity_type,
                SearchName.weight,
                SearchName.id,
                SearchToken.token,
            )
            .join(SearchName, SearchName.id == SearchToken.search_name_id)
            .where(_token_condition(SearchToken.token, word, variants))
        )
        if entity_ids:
            names = names.where(SearchName.entity_id.in_(entity_ids))
        rows = session.execute(_typed(names, types).limit(limit)).all()
        cut = len(rows) == limit
        for entity_id, entity_type, weight, name_id, token in rows:
            if token not in quality:
                quality[token] = word_quality(word, token)
            if quality[token]:
                entry = found.setdefault(entity_id, _Found(entity_type, weight))
                entry.add(word, quality[token] * field_values["name"], "name")
                entry.names.setdefault(name_id, set()).add(word)
        fields = select(
            SearchWord.entity_id,
            SearchWord.entity_type,
            SearchWord.weight,
            SearchWord.field,
            SearchWord.token,
        ).where(_token_condition(SearchWord.token, word, field_variants))
        if entity_ids:
            fields = fields.where(SearchWord.entity_id.in_(entity_ids))
        if types:
            fields = fields.where(SearchWord.entity_type.in_(types))
        rows = session.execute(fields.limit(limit)).all()
        cut = cut or len(rows) == limit
        for entity_id, entity_type, weight, where, token in rows:
            if token not in quality:
                quality[token] = word_quality(word, token)
            if quality[token]:
                entry = found.setdefault(entity_id, _Found(entity_type, weight))
                entry.add(word, quality[token] * field_values[where], where)
        if cut:
            truncated.append(word)
    return found, truncated


def _disambiguate(
    session: Session, query: Query, main_hits: dict[str, Hit], types: Sequence[str]
) -> tuple[list[Hit], list[Hit]]:
    """Full matches of the main words whose entity also holds every word of the
    disambiguator (anywhere: a name, its description, statements, related names),
    and the others. The score drops by at most DISAMBIGUATION_SPREAD as the
    disambiguator's words match less exactly."""
    top = sorted(main_hits.values(), key=_rank_key)[:DISAMBIGUATE_TOP]
    context = list(dict.fromkeys(query.context))
    everywhere = dict.fromkeys(FIELD_VALUE, 1.0)
    found, _ = _find_words(
        session,
        context,
        types,
        entity_ids=[h.entity_id for h in top],
        field_values=everywhere,
    )
    kept, others = [], []
    for hit in top:
        matched = found[hit.entity_id].words if hit.entity_id in found else {}
        if not all(word in matched for word in context):
            others.append(hit)
            continue
        quality = sum(matched[word][0] for word in context) / len(context)
        words = [WordMatch(query.typed.get(t, t), "name") for t in dict.fromkeys(query.main)]
        words += [WordMatch(query.typed.get(t, t), matched[t][1]) for t in context]
        score = hit.score - DISAMBIGUATION_SPREAD * (1 - quality)
        kept.append(replace(hit, score=score, words=tuple(words)))
    return kept, others


def _partial(
    session: Session,
    query: Query,
    types: Sequence[str],
    exclude: Collection[str],
    seeded: Sequence[Hit],
    *,
    lookup: bool = True,
) -> list[Hit]:
    """Entities matching some of the query's words, scored by coverage: the sum of
    each word's value (its match quality times its field's value) over the number of
    words. ``seeded`` are full matches of the main words that missed the
    disambiguator: their main words count as found in a name.

    Candidates come from the bounded lookups of the query's rare words (those in at
    most PARTIAL_CANDIDATES names and search words; the rarest word when none is);
    the other words, and any whose lookup was cut short, are then looked up among
    the best PARTIAL_CHECKED candidates only. Without ``lookup``, only the seeded
    hits are scored."""
    words = list(dict.fromkeys(t for t in query.tokens if t not in STOPWORDS))
    if not words:
        return []
    spellings = _spellings(session, words)
    count = {word: _frequency(session, word, spellings[word]) for word in words}
    rarest = sorted(words, key=count.__getitem__)
    drivers = [w for w in rarest if count[w] <= PARTIAL_CANDIDATES][:PARTIAL_WORDS]
    drivers = (drivers or rarest[:1]) if lookup else []
    found, truncated = _find_words(session, drivers, types, spellings=spellings)
    for hit in seeded:
        quality = 1.0 if hit.score >= PREFIX_FLOOR else min(1.0, hit.score / FUZZY_CEILING)
        entry = found.setdefault(hit.entity_id, _Found(hit.entity_type, hit.weight))
        for word in set(query.main) & set(words):
            entry.add(word, quality, "name")
        entry.hit = hit
    others = [w for w in rarest if w not in drivers][:PARTIAL_WORDS] if lookup else []
    others += truncated
    if others and found:
        best_first = sorted(found, key=lambda e: -sum(v for v, _ in found[e].words.values()))
        _find_words(
            session,
            others,
            types,
            entity_ids=best_first[:PARTIAL_CHECKED],
            found=found,
            spellings=spellings,
        )
    ranked = []
    for entity_id, entry in found.items():
        if entity_id in exclude:
            continue
        coverage = sum(value for value, _ in entry.words.values()) / len(words)
        if coverage >= PARTIAL_MIN_COVERAGE - 1e-9:
            ranked.append((coverage, entity_id, entry))
    ranked.sort(key=lambda r: (-round(r[0], 6), -r[2].weight, r[1]))
    ranked = ranked[:PARTIAL_RESULTS]
    # The name to show: the one holding most of the query's words, else the own name.
    shown: dict[str, str] = {}
    for _, entity_id, entry in ranked:
        if entry.names and entry.hit is None:
            shown[entity_id] = max(entry.names, key=lambda name_id: len(entry.names[name_id]))
    rows: dict[str, Any] = {}
    if shown:
        statement = select(*NAME_COLUMNS, SearchName.id).where(
            SearchName.id.in_(list(shown.values()))
        )
        rows = {row.id: row for row in session.execute(statement)}
    unnamed = [e for _, e, entry in ranked if e not in shown and entry.hit is None]
    own_names: dict[str, Any] = {}
    if unnamed:
        own = select(*NAME_COLUMNS, SearchName.alias_id).where(SearchName.entity_id.in_(unnamed))
        own_names = {row.entity_id: row for row in session.execute(own) if row.alias_id is None}
    hits = []
    for coverage, entity_id, entry in ranked:
        share = 0.0  # how much of the shown name the query's words account for
        name: Any
        if entry.hit is not None:
            name, share = entry.hit, 1.0
        elif entity_id in shown:
            name = rows[shown[entity_id]]
            letters = sum(len(t) for t in entry.names[shown[entity_id]])
            share = min(1.0, letters / max(1, len(name.key.replace(" ", ""))))
        elif entity_id in own_names:
            name = own_names[entity_id]
        else:
            continue
        matched = [t for t in words if t in entry.words]
        weakest = max((entry.words[t][1] for t in matched), key=FIELDS.index)
        hits.append(
            Hit(
                entity_id,
                entry.entity_type,
                PARTIAL_CEILING * (COVERAGE_SHARE * min(1.0, coverage) + NAME_SHARE * share),
                entry.weight,
                name.name,
                name.lang,
                name.kind,
                field=weakest,
                words=tuple(WordMatch(query.typed.get(t, t), entry.words[t][1]) for t in matched),
                unmatched=tuple(query.typed.get(t, t) for t in words if t not in entry.words),
            )
        )
    return hits


def _rank_key(hit: Hit) -> tuple[float, int, int, str, str]:
    # Within an entity, an official name beats an alias at the same score.
    return (-round(hit.score, 6), -hit.weight, hit.kind != "official", hit.name, hit.entity_id)


def search(session: Session, q: str, types: Sequence[str] = ()) -> list[Hit]:
    """Every matching entity once, best first."""
    query = parse_query(q)
    if not query.tokens:
        return []  # nothing to search for ("!!!"): nothing found
    everything = tuple(
        WordMatch(query.typed.get(t, t), "name") for t in dict.fromkeys(query.tokens)
    )
    best = {
        entity_id: replace(hit, words=everything)
        # With a disambiguator, the whole query still matches a name that holds its
        # words exactly or as prefixes; spelling variants are left to the main words.
        for entity_id, hit in _full(session, query.tokens, types, fuzzy=not query.context).items()
    }
    undecided: list[Hit] = []
    kept: list[Hit] = []
    if query.context:
        kept, undecided = _disambiguate(session, query, _full(session, query.main, types), types)
        best = _best([*best.values(), *kept])
    if query.context or all(hit.score < PREFIX_FLOOR for hit in best.values()):
        # Once a disambiguator has picked its entities, the others that match the
        # main words follow as partial matches; no further word lookups are needed.
        partial = _partial(session, query, types, best.keys(), undecided, lookup=not kept)
        best = _best([*best.values(), *partial])
    return sorted(best.values(), key=_rank_key)
