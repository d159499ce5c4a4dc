"""Ranked search over every name and alias of every entity, in memory.

Every stage reads the in-memory search tables (``app.search.vocabulary``: the names
with their word postings, and the search words), not the database (see
docs/search.md). Full matches, in three stages:

1. exact: the query's skeleton equals a name's key, or its sorted words equal the
   name's sorted words (another word order); candidates hold its rarest word;
2. prefix: every query word is the start of a word of the name, candidates taken
   from the most selective query word;
3. fuzzy: query words matched against the vocabulary of name words, the rarest
   word's spellings supplying the candidates, rescored with rapidfuzz and kept above
   a similarity floor.

Then recall beyond names:

4. a disambiguator in parentheses ("Revolutionary Workers' Party (Russia)") keeps a
   full match of the words outside it when its words are found among the entity's
   names, description, statements or related entities' names (``search_word``);
5. partial: when no name holds every word (no exact or prefix match), entities
   holding some of the query's words, in a name or a search word, scored by how much
   of the query they cover and where each word was found.

Each entity keeps its best-scoring match. Scores fall in bands so that any exact
match outranks any prefix match, which outranks any fuzzy one, which outranks any
partial one; ties are broken by how much the knowledge base knows about the entity
(its ``weight``), then by name.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import compress
from typing import Final, overload

from rapidfuzz import fuzz, process

from app.core.names import name_tokens
from app.search.field_table import FIELDS as SEARCH_FIELDS
from app.search.index import STOPWORDS
from app.search.name_table import NameTable
from app.search.vocabulary import SIMILAR_WORD, Vocabulary

# Final: mypyc compiles each use to the value, not a lookup in the module's globals.
EXACT: Final = 1.0
REORDERED: Final = 0.95
PREFIX_FLOOR: Final = 0.6
PREFIX_SPAN: Final = 0.3
FUZZY_CEILING: Final = 0.59
FUZZY_MIN_SIMILARITY: Final = 0.75
FUZZY_CANDIDATES: Final = 1000
PREFIX_CANDIDATES: Final = 1000
# The second query word narrows the prefix candidates when at most this many names hold
# a word it starts, and at most NARROWING_PER_CANDIDATE times as many as there are
# candidates (a name's check costs about what eight names put in a set do).
PREFIX_NARROWING: Final = 20_000
NARROWING_PER_CANDIDATE: Final = 8

# Where a query word can be found, strongest first, and what a word found there is worth.
FIELDS: Final = ("name", "description", "statement", "relation")
FIELD_VALUE: Final = {"name": 1.0, "description": 0.8, "statement": 0.75, "relation": 0.75}
_FIELD_STRENGTH: Final = {field: n for n, field in enumerate(FIELDS)}  # 0 is the strongest
# How well a stored word matches a query word: the same word, a longer word it
# starts (at least MIN_PREFIX letters typed), a spelling variant (times its ratio).
PREFIX_QUALITY: Final = 0.85
VARIANT_QUALITY: Final = 0.9
MIN_PREFIX: Final = 4
# Partial matches: below every full match (fuzzy starts at 0.59 x 0.75 = 0.4425).
PARTIAL_CEILING: Final = 0.44
PARTIAL_MIN_COVERAGE: Final = 1 / 3
# A partial score is mostly coverage; the rest is how much of the matched name the
# words cover, so "Zhanaozen" beats "Zhanaozen strike and shootings" for one word.
COVERAGE_SHARE: Final = 0.9
NAME_SHARE: Final = 0.1
PARTIAL_WORDS: Final = 8
# Not Final: tests/search/test_deterministic.py lowers it to make lookups cut short.
PARTIAL_CANDIDATES = 500
PARTIAL_CHECKED: Final = 200
PARTIAL_RESULTS: Final = 100
# Disambiguators: how many full matches of the words outside the parentheses are
# checked, and how far a weaker disambiguator match lowers the score.
DISAMBIGUATE_TOP: Final = 200
DISAMBIGUATION_SPREAD: Final = 0.005

_PARENTHESES = re.compile(r"\(([^()]*)\)")
_EDGE_PUNCTUATION = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum()) + "«»“”‘’„"


# The search's records are native classes (mypyc compiles them), with an __init__ of
# their own: a dataclass's generated __init__ is interpreted Python even in a compiled
# module, and search makes hundreds of these a query. @dataclass still gives them
# equality, repr and dataclasses.replace.
@dataclass(slots=True, init=False)
class WordMatch:
    word: str  # as the query typed it
    field: str

    def __init__(self, word: str, field: str) -> None:
        self.word = word
        self.field = field


@dataclass(slots=True, init=False)
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
    field: str
    words: tuple[WordMatch, ...]
    unmatched: tuple[str, ...]

    def __init__(
        self,
        entity_id: str,
        entity_type: str,
        score: float,
        weight: int,
        name: str,
        lang: str,
        kind: str,
        field: str = "name",
        words: tuple[WordMatch, ...] = (),
        unmatched: tuple[str, ...] = (),
    ) -> None:
        self.entity_id = entity_id
        self.entity_type = entity_type
        self.score = score
        self.weight = weight
        self.name = name
        self.lang = lang
        self.kind = kind
        self.field = field
        self.words = words
        self.unmatched = unmatched


def _rounded(score: float) -> float:
    """A score to a millionth, as ranks compare it: so that float noise does not reorder
    hits. ``round(score, 6)`` rounds through a decimal conversion (0.3 µs, and a search
    ranks up to hundreds of names); this rounds the scaled score to an integer, which
    groups the same scores but those within float noise of a half-millionth."""
    return round(score * 1_000_000) / 1_000_000


# How a hit ranks: score (rounded, so float noise does not reorder), the entity's
# weight, an official name before an alias, then the name and the id, so that no two
# hits of different entities tie.
Rank = tuple[float, int, bool, str, str]


@dataclass(slots=True, init=False)
class Query:
    tokens: list[str]  # every skeleton word, in order
    main: list[str]  # the words outside parentheses
    context: list[str]  # the words inside them (empty when there is no disambiguator)
    typed: dict[str, str]  # skeleton word -> the word as typed

    def __init__(
        self, tokens: list[str], main: list[str], context: list[str], typed: dict[str, str]
    ) -> None:
        self.tokens = tokens
        self.main = main
        self.context = context
        self.typed = typed


def parse_query(q: str) -> Query:
    """The query's skeleton words, split into main words and a disambiguator."""
    typed: dict[str, str] = {}
    for chunk in q.replace("(", " ").replace(")", " ").split():
        for token in name_tokens(chunk):
            typed.setdefault(token, chunk.strip(_EDGE_PUNCTUATION) or chunk)
    tokens = name_tokens(q)
    if "(" not in q:  # no disambiguator (most queries): no second and third pass
        return Query(tokens, tokens, [], typed)
    main = name_tokens(_PARENTHESES.sub(" ", q))
    context = [t for text in _PARENTHESES.findall(q) for t in name_tokens(text)]
    if not main or not context:
        main, context = tokens, []
    return Query(tokens, main, context, typed)


def _exact(names: NameTable, tokens: list[str], types: Sequence[str]) -> list[tuple[int, float]]:
    """Names whose key is the query's, or holds its words in another order; the
    candidates are the names holding the query's rarest word."""
    key = " ".join(tokens)
    sorted_words = sorted(tokens)
    driver = min(dict.fromkeys(tokens), key=names.frequency)
    scored = []
    # The driver's postings can run to thousands of names: only the names whose key has
    # the query's length can hold its words and no other, and they are picked out in C
    # (map and compress), in the postings' order.
    postings = names.postings.get(driver, ())
    keys = names.name_key
    lengths = map(len, map(keys.__getitem__, postings))
    for name in compress(postings, map(len(key).__eq__, lengths)):
        name_key = keys[name]
        if name_key == key:
            score = EXACT
        elif sorted(name_key.split()) == sorted_words:
            score = REORDERED
        else:
            continue
        if names.of_type(name, types):
            scored.append((name, score))
    return scored


def _prefix(names: NameTable, tokens: list[str], types: Sequence[str]) -> list[tuple[int, float]]:
    """Names in which every query word starts a word. Candidates come from the query
    word that starts the fewest name words (at most PREFIX_CANDIDATES of them, those
    with the shortest such words first), narrowed to the names of the next most
    selective word when it is not too common (a set intersection, in C), and checked
    for the other query words: each has the set of vocabulary words it starts, which
    a name's words must meet."""
    distinct = sorted(dict.fromkeys(tokens), key=names.prefix_count)
    candidates = names.starting(distinct[0], PREFIX_CANDIDATES)
    # The second word's names, as a set, narrow the candidates before each is checked
    # for every other word (the second among them: the result is the same either way).
    # The set is worth making only when it is not much larger than the candidates.
    if len(distinct) > 1 and names.prefix_count(distinct[1]) <= min(
        PREFIX_NARROWING, NARROWING_PER_CANDIDATE * len(candidates)
    ):
        narrowed = names.all_starting(distinct[1])
        candidates = [name for name in candidates if name in narrowed]
    others = [names.words_starting(t) for t in distinct[1:]]
    query_letters = sum(len(t) for t in tokens)
    scored = []
    for name in candidates:
        name_key = names.name_key[name]
        name_words = name_key.split()
        if all(not starts.isdisjoint(name_words) for starts in others) and names.of_type(
            name, types
        ):
            coverage = min(1.0, query_letters / max(1, len(name_key) - len(name_words) + 1))
            scored.append((name, PREFIX_FLOOR + PREFIX_SPAN * coverage * 0.999))
    return scored


def _fuzzy(vocab: Vocabulary, tokens: list[str], types: Sequence[str]) -> list[tuple[int, float]]:
    """Names spelled like the query. Each query word is matched against the vocabulary
    of all name words; the word whose spellings occur in the fewest names supplies the
    candidates (at most FUZZY_CANDIDATES), which are scored on their whole key (in
    rapidfuzz's C loop over them all, once per scorer)."""
    key = " ".join(tokens)
    long_words = [t for t in tokens if len(t) >= 3]
    if not long_words:
        return []
    names = vocab.names
    spellings = {word: vocab.variants(word) for word in long_words}
    spelled = [word for word in long_words if spellings[word]]
    if not spelled:
        return []
    driver = min(spelled, key=lambda w: sum(names.frequency(v) for v in spellings[w]))
    candidates = names.holding(spellings[driver], FUZZY_CANDIDATES)
    if types:
        entity_types, name_entity = names.entity_types, names.name_entity
        candidates = [name for name in candidates if entity_types[name_entity[name]] in types]
    name_key = names.name_key
    keys = [name_key[name] for name in candidates]
    cutoff = FUZZY_MIN_SIMILARITY * 100
    scores: dict[int, float] = {}
    for scorer in (fuzz.ratio, fuzz.token_sort_ratio):
        for _key, score, index in process.extract(
            key, keys, scorer=scorer, score_cutoff=cutoff, limit=None
        ):
            scores[index] = max(score, scores.get(index, 0.0))
    return [(candidates[index], FUZZY_CEILING * score / 100) for index, score in scores.items()]


class _HitsMadeWhenRead(Sequence[Hit]):
    """A sequence of hits, each made when first read (``_at``), by index, slice or
    iteration alike."""

    __slots__ = ()

    def __len__(self) -> int:
        raise NotImplementedError

    def _at(self, n: int) -> Hit:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        count = len(self)
        if isinstance(index, slice):
            return [self._at(n) for n in range(*index.indices(count))]
        if not -count <= index < count:
            raise IndexError(index)
        return self._at(index % count)

    def __iter__(self) -> Iterator[Hit]:
        for n in range(len(self)):
            yield self._at(n)


class RankedHits(_HitsMadeWhenRead):
    """Each entity's best full match, best first: its rank, name and score are kept, and
    its hit is made when asked for. A search at 100,000 entities keeps 140 entities or
    more (every name spelled like the query), and a page shows twenty: making every hit
    was a fifth of such a search. The entities that cannot come first (``rest``: all of
    them rank after every ranked one) are ranked only when one of them is read."""

    __slots__ = ("_count", "_made", "_names", "_ranked", "_rest", "_words")

    def __init__(
        self,
        names: NameTable,
        ranked: list[tuple[Rank, int, float]],
        words: tuple[WordMatch, ...],
        rest: list[tuple[int, float]] | None = None,
        rest_entities: int = 0,
    ) -> None:
        self._names, self._ranked, self._words = names, ranked, words
        self._rest = rest or []
        self._count = len(ranked) + rest_entities
        self._made: list[Hit | None] = [None] * self._count

    def __len__(self) -> int:
        return self._count

    def _at(self, n: int) -> Hit:
        made = self._made[n]
        if made is None:
            if n >= len(self._ranked):
                self._rank_rest()
            _rank, name, score = self._ranked[n]
            made = self._made[n] = _hit(self._names, name, score, self._words)
        return made

    def _rank_rest(self) -> None:
        if self._rest:
            self._ranked = self._ranked + _ranked(self._names, self._rest)
            self._rest = []

    def entities(self) -> set[int]:
        """The hits' entities, by ordinal in the name table (none ranked or made)."""
        name_entity = self._names.name_entity
        found = {name_entity[name] for _rank, name, _score in self._ranked}
        found.update([name_entity[name] for name, _score in self._rest])
        return found

    def best_score(self) -> float:
        # The best-scoring entity is always ranked: the rest score no higher.
        return max((score for _rank, _name, score in self._ranked), default=0.0)


def _each_entitys_best(
    names: NameTable,
    scored: Iterable[tuple[int, float]],
    words: tuple[WordMatch, ...],
    first: int | None = None,
) -> RankedHits:
    """The hit of each entity's best-ranked (name, score), the first of equals, best
    entity first: what ``_best`` would keep of the hits of them all, in its order.

    With ``first``, only the entities that can be among the first ``first`` are ranked
    now (a rank starts with the entity's best score and its weight: those whose score
    and weight come no later than the ``first``-th entity's); the others, which all rank
    after them, are ranked when one of them is read."""
    if first is None:
        return RankedHits(names, _ranked(names, scored), words)
    contenders, rest, rest_entities = _contenders(names, list(scored), first)
    return RankedHits(names, _ranked(names, contenders), words, rest, rest_entities)


def _ranked(names: NameTable, scored: Iterable[tuple[int, float]]) -> list[tuple[Rank, int, float]]:
    """Each entity's best-ranked (name, score), the first of equals, with its rank, best
    entity first. Hundreds of names can match a query, several of them an entity's, and
    the stages find an entity's names again (an exact match is a prefix and a fuzzy one
    too): only the one kept is ranked with the others."""
    name_entity = names.name_entity
    best: dict[int, tuple[Rank, int, float]] = {}
    for name, value in scored:
        entity = name_entity[name]
        kept = best.get(entity)
        # A rank starts with the rounded score, negated: a name scoring below the one
        # kept cannot rank before it, and its rank is not made.
        if kept is not None and -_rounded(value) > kept[0][0]:
            continue
        rank = _name_rank(names, name, value)
        if kept is None or rank < kept[0]:
            best[entity] = (rank, name, value)
    # No two entities' ranks tie (a rank ends with the entity's id): sorted as they are,
    # the triples compare by rank alone, with no key function called per triple.
    return sorted(best.values())


def _contenders(
    names: NameTable, scored: list[tuple[int, float]], first: int
) -> tuple[list[tuple[int, float]], list[tuple[int, float]], int]:
    """The (name, score) pairs of the entities that can rank among the first ``first``
    (those whose best rounded score and weight, the rank's first two keys, come no later
    than the ``first``-th entity's: all of their pairs, so that ties on the rest of the
    rank are broken as among all), the pairs of the others, and how many others."""
    name_entity, weights = names.name_entity, names.entity_weights
    best_score: dict[int, float] = {}
    for name, value in scored:
        entity = name_entity[name]
        rounded = _rounded(value)
        if rounded > best_score.get(entity, -1.0):
            best_score[entity] = rounded
    if len(best_score) <= max(first, 0):
        return scored, [], 0
    if first < 1:
        return [], scored, len(best_score)
    keys = [(-score, -weights[entity]) for entity, score in best_score.items()]
    last = heapq.nsmallest(first, keys)[-1]
    kept = {entity for entity, key in zip(best_score, keys, strict=True) if key <= last}
    contenders: list[tuple[int, float]] = []
    rest: list[tuple[int, float]] = []
    for pair in scored:
        (contenders if name_entity[pair[0]] in kept else rest).append(pair)
    return contenders, rest, len(best_score) - len(kept)


def _hit(names: NameTable, name: int, score: float, words: tuple[WordMatch, ...] = ()) -> Hit:
    entity = names.name_entity[name]
    lang, kind = names.styles[names.name_style[name]]
    return Hit(
        names.entity_ids[entity],
        names.entity_types[entity],
        score,
        names.entity_weights[entity],
        names.name_text[name],
        lang,
        kind,
        words=words,
    )


def _full(
    vocab: Vocabulary,
    tokens: list[str],
    types: Sequence[str],
    *,
    fuzzy: bool = True,
    words: tuple[WordMatch, ...] = (),
    first: int | None = None,
    rank_first: int | None = None,
) -> RankedHits:
    """Stages 1-3: each entity whose name matches every word, with its best name, best
    entity first; each hit says ``words`` matched.

    With ``first``, only the first ``first`` entities are sure to be there: a stage is
    skipped once the stages before it have found that many entities (any exact match
    outranks any prefix match, which outranks any fuzzy one). Only the entities that
    can be among the first ``first`` (or ``rank_first``) are ranked at once, the others
    when read."""
    names = vocab.names
    scored = _exact(names, tokens, types)
    if first is None or _entities(names, scored) < first:
        scored += _prefix(names, tokens, types)
    if fuzzy and (first is None or _entities(names, scored) < first):
        scored += _fuzzy(vocab, tokens, types)
    return _each_entitys_best(names, scored, words, rank_first if first is None else first)


def _entities(names: NameTable, scored: list[tuple[int, float]]) -> int:
    name_entity = names.name_entity
    return len({name_entity[name] for name, _score in scored})


def _best(hits: Iterable[Hit]) -> dict[str, Hit]:
    """Each entity's best-ranked hit (the first of equals), best entity first."""
    best: dict[str, tuple[Rank, Hit]] = {}
    for hit in hits:
        rank = _rank_key(hit)
        kept = best.get(hit.entity_id)
        if kept is None or rank < kept[0]:
            best[hit.entity_id] = (rank, hit)
    # Ranks of different entities never tie: the pairs compare by rank alone.
    return {hit.entity_id: hit for _rank, hit in sorted(best.values())}


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


class _Found:
    """What one entity matched of the query's words: word -> (value, field).

    A plain class with slots: the partial stage makes one for each of up to thousands
    of entities a query, and a dataclass with default factories took 1.6 times as long to make."""

    __slots__ = ("entity_type", "hit", "names", "weight", "words")

    def __init__(self, entity_type: str, weight: int) -> None:
        self.entity_type = entity_type
        self.weight = weight
        self.words: dict[str, tuple[float, str]] = {}
        # The names that matched (by ordinal in the name table), with their words.
        self.names: dict[int, set[str]] = {}
        self.hit: Hit | None = None  # a full match of the main words, when seeded from one

    def add(self, word: str, value: float, where: str) -> None:
        if value > self.words.get(word, (0.0, ""))[0]:
            self.words[word] = (value, where)


def _spellings(vocab: Vocabulary, words: Iterable[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Each word's spelling variants among name words and among search words."""
    return {
        word: (vocab.variants(word), vocab.field_variants(word))
        if len(word) >= MIN_PREFIX
        else ([], [])
        for word in words
    }


def _frequency(vocab: Vocabulary, word: str, variants: tuple[list[str], list[str]]) -> int:
    """About how many names and search words a word and its spellings are in."""
    names, fields = variants
    # The tables' own (compiled) methods, not the Vocabulary's (Python) that call them.
    name_table, field_table = vocab.names, vocab.fields
    return sum(name_table.frequency(v) for v in {word, *names}) + sum(
        field_table.frequency(v) for v in {word, *fields}
    )


class _WordFinder:
    """Records, for one query word, the entities holding it (or a longer word it
    starts, or a spelling of it) in a name or a search word."""

    def __init__(
        self,
        vocab: Vocabulary,
        word: str,
        spellings: tuple[list[str], list[str]],
        found: dict[int, _Found],
        field_values: dict[str, float],
    ) -> None:
        self.names, self.fields = vocab.names, vocab.fields
        self.word, self.found, self.field_values = word, found, field_values
        prefixes = len(word) >= MIN_PREFIX
        variants, field_variants = spellings if prefixes else ([], [])
        # In order (the word, its spellings, then the longer words it starts): a bounded
        # lookup reads the first of them. A set's order changes from one process to the
        # next (string hashing is randomised), and so did the results of a search whose
        # lookups were cut short: replicas answered one query differently.
        self.name_order = self.names.matching(word, [word, *variants], prefixes=prefixes)
        self.field_order = self.fields.matching(word, [word, *field_variants], prefixes=prefixes)
        self.name_words, self.field_words = set(self.name_order), set(self.field_order)
        self.quality: dict[str, float] = {}

    def _value(self, token: str) -> float:
        quality = self.quality.get(token)
        if quality is None:
            quality = self.quality[token] = word_quality(self.word, token)
        return quality

    def _entry(self, entity: int) -> _Found:
        entry = self.found.get(entity)
        if entry is None:
            names = self.names
            entry = self.found[entity] = _Found(
                names.entity_types[entity], names.entity_weights[entity]
            )
        return entry

    def in_name(self, name: int, token: str) -> None:
        quality = self._value(token)
        if quality:
            self._named(self.names.name_entity[name], name, quality * self.field_values["name"])

    def _named(self, entity: int, name: int, value: float) -> None:
        entry = self._entry(entity)
        entry.add(self.word, value, "name")
        entry.names.setdefault(name, set()).add(self.word)

    def in_field(self, entity: int, token: str, code: int) -> None:
        quality = self._value(token)
        if quality:
            where = SEARCH_FIELDS[code]
            self._entry(entity).add(self.word, quality * self.field_values[where], where)

    def everywhere(self, types: Sequence[str], limit: int) -> bool:
        """Look the word up among all entities, at most ``limit`` names and as many
        search words; True if either lookup was cut short.

        The loops record each entity's match inline rather than through ``_named`` and
        ``_entry``: they run once per posting (hundreds per query word), and the method
        calls were most of a typo'd search's time on the seed."""
        names, found, word = self.names, self.found, self.word
        entity_types, weights = names.entity_types, names.entity_weights
        name_entity, name_value = names.name_entity, self.field_values["name"]
        rows, cut = 0, False
        for token in self.name_order:
            # A token's quality is the same in every name holding it: valued once (this
            # loop runs for up to ``limit`` names per word).
            quality = self._value(token)
            value = quality * name_value
            found_in_name = (value, "name")  # one tuple for the token's every posting
            for name in names.postings[token]:
                entity = name_entity[name]
                if types and entity_types[entity] not in types:
                    continue
                if rows == limit:
                    cut = True
                    break
                rows += 1
                if not quality:
                    continue
                entry = found.get(entity)
                if entry is None:
                    entry = found[entity] = _Found(entity_types[entity], weights[entity])
                kept = entry.words.get(word)
                if kept is None or value > kept[0]:
                    entry.words[word] = found_in_name
                words_in_name = entry.names.get(name)
                if words_in_name is None:
                    entry.names[name] = {word}
                else:
                    words_in_name.add(word)
            if cut:
                break
        rows = 0
        field_values = self.field_values
        for token in self.field_order:
            quality = self._value(token)
            # What the token is worth in each field, by the field's code.
            values = [(quality * field_values[where], where) for where in SEARCH_FIELDS]
            entities, codes = self.fields.postings[token]
            for entity, code in zip(entities, codes, strict=True):
                if types and entity_types[entity] not in types:
                    continue
                if rows == limit:
                    return True
                rows += 1
                if not quality:
                    continue
                value_where = values[code]
                entry = found.get(entity)
                if entry is None:
                    entry = found[entity] = _Found(entity_types[entity], weights[entity])
                kept = entry.words.get(word)
                if kept is None or value_where[0] > kept[0]:
                    entry.words[word] = value_where
        return cut

    def among(self, entities: Iterable[int], types: Sequence[str]) -> None:
        """Look the word up among these entities' names and search words only."""
        names, fields = self.names, self.fields
        name_words, field_words, keys = self.name_words, self.field_words, names.name_key
        for entity in entities:
            if types and names.entity_types[entity] not in types:
                continue
            for name in names.names_of(entity):
                for token in name_words.intersection(keys[name].split()):
                    self.in_name(name, token)
            if field_words:
                for token, code in fields.of_entity(entity):
                    if token in field_words:
                        self.in_field(entity, token, code)


def _find_words(
    vocab: Vocabulary,
    words: Sequence[str],
    types: Sequence[str],
    *,
    among: Sequence[int] | None = None,
    field_values: dict[str, float] = FIELD_VALUE,
    found: dict[int, _Found] | None = None,
    spellings: dict[str, tuple[list[str], list[str]]] | None = None,
) -> tuple[dict[int, _Found], list[str]]:
    """Entities (by ordinal in the name table) holding each word (or a longer word it
    starts, or a spelling of it) in a name or a search word, looked up in the in-memory
    postings: among all entities (at most PARTIAL_CANDIDATES names and search words per
    word), or only ``among`` these. Also returns the words whose lookups were cut short.

    Entities are kept by ordinal, not id: an id is read from the packed column only
    for the few that are shown (a lookup visits hundreds of postings)."""
    spellings = spellings or _spellings(vocab, words)
    found = {} if found is None else found
    truncated = []
    for word in words:
        finder = _WordFinder(vocab, word, spellings[word], found, field_values)
        if among is not None:
            finder.among(among, types)
        elif finder.everywhere(types, PARTIAL_CANDIDATES):
            truncated.append(word)
    return found, truncated


def _disambiguate(
    vocab: Vocabulary, query: Query, main_hits: RankedHits, types: Sequence[str]
) -> tuple[list[Hit], list[Hit]]:
    """Full matches of the main words whose entity also holds every word of the
    disambiguator (anywhere: a name, its description, statements, related names),
    and the others. The score drops by at most DISAMBIGUATION_SPREAD as the
    disambiguator's words match less exactly."""
    top = main_hits[:DISAMBIGUATE_TOP]  # best first
    context = list(dict.fromkeys(query.context))
    everywhere = dict.fromkeys(FIELD_VALUE, 1.0)
    entities = list(map(vocab.names.entity_ids.get, (h.entity_id for h in top)))
    found, _ = _find_words(
        vocab,
        context,
        types,
        among=[e for e in entities if e is not None],
        field_values=everywhere,
    )
    kept, others = [], []
    for hit, entity in zip(top, entities, strict=True):
        entry = found.get(entity) if entity is not None else None
        matched = entry.words if entry is not None else {}
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
    vocab: Vocabulary,
    query: Query,
    types: Sequence[str],
    excluded: Collection[int],
    seeded: Sequence[Hit],
    *,
    lookup: bool = True,
) -> list[Hit]:
    """Entities matching some of the query's words, scored by coverage: the sum of
    each word's value (its match quality times its field's value) over the number of
    words, leaving out the ``excluded`` entities (by ordinal in the name table).
    ``seeded`` are full matches of the main words that missed the disambiguator: their
    main words count as found in a name.

    Candidates come from the bounded lookups of the query's rare words (those in at
    most PARTIAL_CANDIDATES names and search words; the rarest word when none is);
    the other words, and any whose lookup was cut short, are then looked up among
    the best PARTIAL_CHECKED candidates only. Without ``lookup``, only the seeded
    hits are scored."""
    words = list(dict.fromkeys(t for t in query.tokens if t not in STOPWORDS))
    if not words:
        return []
    names = vocab.names
    index = names.entity_ids
    spellings = _spellings(vocab, words)
    count = {word: _frequency(vocab, word, spellings[word]) for word in words}
    rarest = sorted(words, key=count.__getitem__)
    drivers = [w for w in rarest if count[w] <= PARTIAL_CANDIDATES][:PARTIAL_WORDS]
    drivers = (drivers or rarest[:1]) if lookup else []
    found, truncated = _find_words(vocab, drivers, types, spellings=spellings)
    main_words = set(query.main)
    for hit in seeded:
        quality = 1.0 if hit.score >= PREFIX_FLOOR else min(1.0, hit.score / FUZZY_CEILING)
        seed = index.get(hit.entity_id)
        if seed is None:  # not in the tables read for this search: cannot happen
            continue
        entry = found.setdefault(seed, _Found(hit.entity_type, hit.weight))
        # In the query's order, not a set's: the coverage sums these values, and a sum's
        # last bits follow its order, which a set's changes from one process to the next.
        for word in words:
            if word in main_words:
                entry.add(word, quality, "name")
        entry.hit = hit
    others = [w for w in rarest if w not in drivers][:PARTIAL_WORDS] if lookup else []
    others += truncated
    if others and found:
        best_first = sorted(found, key=lambda e: -sum(v for v, _ in found[e].words.values()))
        _find_words(
            vocab,
            others,
            types,
            among=best_first[:PARTIAL_CHECKED],
            found=found,
            spellings=spellings,
        )
    covering = []
    for entity, entry in found.items():
        if entity in excluded:
            continue
        coverage = sum(value for value, _ in entry.words.values()) / len(words)
        if coverage >= PARTIAL_MIN_COVERAGE - 1e-9:
            covering.append(((-_rounded(coverage), -entry.weight), coverage, entity, entry))
    # Ranked by coverage, weight and id; only the entities that can be among the first
    # PARTIAL_RESULTS on coverage and weight (ties at the cut included) have their id read.
    if len(covering) > PARTIAL_RESULTS:
        last = heapq.nsmallest(PARTIAL_RESULTS, [c[0] for c in covering])[-1]
        covering = [c for c in covering if c[0] <= last]
    # Ranked by (coverage, weight) and id, which no two entities share: the tuples are
    # sorted as they are, comparing those alone, with no key function called per tuple.
    ranked = sorted(
        (first, index[entity], coverage, entity, entry)
        for first, coverage, entity, entry in covering
    )
    hits = []
    # A query word found in a field is the same WordMatch in every hit (at most the
    # query's words times the fields): made once, not once per hit.
    word_matches: dict[tuple[str, str], WordMatch] = {}
    typed = {t: query.typed.get(t, t) for t in words}
    for _first, entity_id, coverage, entity, entry in ranked[:PARTIAL_RESULTS]:
        share = 0.0  # how much of the shown name the query's words account for
        if entry.hit is not None:
            text, lang, kind, share = entry.hit.name, entry.hit.lang, entry.hit.kind, 1.0
        else:
            # The name to show: the one holding most of the query's words, else the
            # entity's own name.
            if entry.names:
                # Loops, not max() and sum() with a key or a generator: compiled, they
                # call no Python function per item. The first of equals, as max() keeps.
                name, most = -1, -1
                for candidate, held in entry.names.items():
                    if len(held) > most:
                        name, most = candidate, len(held)
                letters = 0
                for word in entry.names[name]:
                    letters += len(word)
                key = names.name_key[name]
                share = min(1.0, letters / max(1, len(key) - key.count(" ")))
            else:
                name = names.entity_own[entity]
                if name < 0:
                    continue
            text = names.name_text[name]
            lang, kind = names.styles[names.name_style[name]]
        found_words = entry.words
        matched = []
        weakest = 0  # the weakest field a word was found in, by strength
        for t in words:
            kept = found_words.get(t)
            if kept is not None:
                matched.append((t, kept[1]))
                weakest = max(weakest, _FIELD_STRENGTH[kept[1]])
        for pair in matched:
            if pair not in word_matches:
                word_matches[pair] = WordMatch(typed[pair[0]], pair[1])
        hits.append(
            Hit(
                entity_id,
                entry.entity_type,
                PARTIAL_CEILING * (COVERAGE_SHARE * min(1.0, coverage) + NAME_SHARE * share),
                entry.weight,
                text,
                lang,
                kind,
                field=FIELDS[weakest],
                words=tuple(word_matches[pair] for pair in matched),
                unmatched=tuple(typed[t] for t in words if t not in found_words),
            )
        )
    return hits


def _rank_key(hit: Hit) -> Rank:
    # Within an entity, an official name beats an alias at the same score.
    return (-_rounded(hit.score), -hit.weight, hit.kind != "official", hit.name, hit.entity_id)


def _name_rank(names: NameTable, name: int, score: float) -> Rank:
    """``_rank_key`` of the hit ``_hit(names, name, score)`` would make, without making it."""
    entity = names.name_entity[name]
    return (
        -_rounded(score),
        -names.entity_weights[entity],
        names.styles[names.name_style[name]][1] != "official",
        names.name_text[name],
        names.entity_ids[entity],
    )


def search(
    vocab: Vocabulary,
    q: str,
    types: Sequence[str] = (),
    *,
    first: int | None = None,
    rank_first: int | None = None,
) -> Sequence[Hit]:
    """Every matching entity once, best first, in the search tables of ``vocab``
    (``vocabulary(session)``: those of the dataset the session reads).

    With ``rank_first`` (a page's end), every hit is there, and only those that can be
    among the first ``rank_first`` are ranked at once; the others when read.

    With ``first``, the caller reads only the first ``first`` hits (a reconciliation
    query's candidates), and those are the hits it gets; the hits beyond them may be
    left out, so ``len`` is no longer the count of matches. When the full matches fill
    them, the partial stage is skipped, since its hits rank below every full match and
    could only follow them; so are the prefix and fuzzy stages once the stages before
    them have filled them (``_full``)."""
    query = parse_query(q)
    if not query.tokens:
        return []  # nothing to search for ("!!!"): nothing found
    everything = tuple(
        WordMatch(query.typed.get(t, t), "name") for t in dict.fromkeys(query.tokens)
    )
    # With a disambiguator, the whole query still matches a name that holds its words
    # exactly or as prefixes; spelling variants are left to the main words.
    full = _full(
        vocab,
        query.tokens,
        types,
        fuzzy=not query.context,
        words=everything,
        first=None if query.context else first,
        rank_first=None if query.context else rank_first,
    )
    if not query.context and (
        full.best_score() >= PREFIX_FLOOR or (first is not None and len(full) >= first)
    ):
        return full  # no partial matches, or none that would be read; hits made as asked for
    if not query.context:
        # Partial matches leave out the full matches' entities, and rank after every
        # full match (PARTIAL_CEILING is under the lowest fuzzy score): the full hits in
        # their order, made only when read (a page shows 50 of hundreds), then the
        # partial ones in theirs.
        partial = _partial(vocab, query, types, full.entities(), [])
        return _Followed(full, _in_rank_order(partial))
    best = {hit.entity_id: hit for hit in full}
    undecided: list[Hit] = []
    kept: list[Hit] = []
    if query.context:
        kept, undecided = _disambiguate(vocab, query, _full(vocab, query.main, types), types)
        best = _best([*best.values(), *kept])
    # Once a disambiguator has picked its entities, the others that match the main
    # words follow as partial matches; no further word lookups are needed.
    excluded = {e for e in map(vocab.names.entity_ids.get, best) if e is not None}
    partial = _partial(vocab, query, types, excluded, undecided, lookup=not kept)
    return list(_best([*best.values(), *partial]).values())


def _in_rank_order(hits: list[Hit]) -> list[Hit]:
    """Hits of different entities, best first (``_best``'s order, without its merging)."""
    # Ranks of different entities never tie: the pairs compare by rank alone.
    return [hit for _rank, hit in sorted([(_rank_key(hit), hit) for hit in hits])]


class _Followed(_HitsMadeWhenRead):
    """The hits of ``first`` then those of ``then``, each made when read."""

    __slots__ = ("_first", "_split", "_then")

    def __init__(self, first: Sequence[Hit], then: list[Hit]) -> None:
        self._first, self._then, self._split = first, then, len(first)

    def __len__(self) -> int:
        return self._split + len(self._then)

    def _at(self, n: int) -> Hit:
        return self._first[n] if n < self._split else self._then[n - self._split]


def own_names(vocab: Vocabulary, entity_ids: Iterable[str]) -> dict[str, str]:
    """The current name of each of these entities that search knows (every entity
    whose name has a letter or digit), from memory."""
    names = vocab.names
    found = {}
    for entity_id in entity_ids:
        entity = names.entity_ids.get(entity_id)
        if entity is not None and (own := names.entity_own[entity]) >= 0:
            found[entity_id] = names.name_text[own]
    return found
