"""Every search name in memory, with postings from each name word to the names holding it.

The exact, prefix and fuzzy stages of search (app.search.service) run here, not in
the database: a query's candidates are the postings of its most selective word, and
checking a candidate is a string comparison. The database gave the same candidates
through the ``search_token`` B-tree, but reading a thousand rows per query cost tens of
milliseconds at 100,000 entities (docs/performance.md).

The table is built from ``search_name`` once per process, then patched per dataset
revision with the names of the entities that changed (``patched``); a name's words
are its key's words, so ``search_token`` is not read. Names are kept in parallel
columns (one list or array per field, strings shared where they repeat) because a row
object per name would cost several times the memory. A patch copies the columns it
changes, so a search still running on the previous table is not disturbed.
"""

from __future__ import annotations

import bisect
import itertools
import sys
from array import array
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, select, tuple_
from sqlalchemy.orm import Session

from app.models import SearchName
from app.search.columns import Categories, CodedColumn, StringIndex, stored

# One past 'z' in code-point order: [p, p + "{") holds every word starting with p.
PAST_PREFIX = "{"
# Rows fetched per statement while loading: bounded memory on either engine. At a
# million entities 1,000 rows a statement loaded in less memory (19 MB) and less time
# (28 s, not 36) than 10,000.
_LOAD_BATCH = 1_000
# Entity ids per IN list when a patch reads the names of the entities that changed.
_PATCH_CHUNK = 500

_COLUMNS = (
    SearchName.entity_id,
    SearchName.entity_type,
    SearchName.name,
    SearchName.lang,
    SearchName.kind,
    SearchName.key,
    SearchName.weight,
    SearchName.alias_id,
)


@dataclass(frozen=True)
class NameTable:
    """Search names by ordinal (their position), each with its entity's ordinal."""

    name_entity: array[int]  # name -> entity ordinal
    name_text: CodedColumn
    name_key: list[str]
    name_style: array[int]  # name -> index into ``styles`` (a byte each while they fit)
    styles: list[tuple[str, str]]  # (lang, kind)
    entity_ids: StringIndex  # entity ordinal -> id, and id -> ordinal (``.get``)
    entity_types: Categories
    entity_weights: array[int]  # a byte each while they fit (``stored``)
    # An entity's names are contiguous: entity_names[e] of them from entity_first[e].
    entity_first: array[int]
    entity_names: array[int]  # a byte each while they fit
    entity_own: array[int]  # entity -> its own name (not an alias), or -1
    postings: dict[str, array[int]]  # name word -> ordinals of the names holding it
    # The name words in order, and how many names hold the words before each: how many
    # names hold a word starting with a prefix is two bisections.
    ordered: list[str]
    running: list[int]
    dead: int  # names replaced by patches, still taking room in the columns

    def __len__(self) -> int:
        return len(self.name_entity)

    def frequency(self, word: str) -> int:
        """How many names hold ``word``."""
        found = self.postings.get(word)
        return len(found) if found is not None else 0

    def prefix_count(self, prefix: str) -> int:
        """How many names hold a word starting with ``prefix`` (a name holding two
        such words counts twice)."""
        start, end = self._range(prefix)
        return self.running[end] - self.running[start]

    def _range(self, prefix: str) -> tuple[int, int]:
        return prefix_range(self.ordered, prefix)

    def words_starting(self, prefix: str) -> frozenset[str]:
        """The name words that start with ``prefix``."""
        start, end = self._range(prefix)
        return frozenset(self.ordered[start:end])

    def holding(self, words: Iterable[str], limit: int) -> list[int]:
        """The names holding any of ``words``, each once, at most ``limit`` of them (the
        first found, word by word in order)."""
        found: dict[int, None] = {}
        for word in words:
            postings = self.postings.get(word)
            if postings is None:
                continue
            # In slices of what is still wanted: a common word's postings run to
            # thousands of names, and every one taken is made a Python int.
            start = 0
            while start < len(postings) and len(found) < limit:
                end = start + limit - len(found)
                found.update(dict.fromkeys(postings[start:end]))  # deduplicated in C
                start = end
            if len(found) >= limit:
                break
        return list(found)[:limit]

    def starting(self, prefix: str, limit: int) -> list[int]:
        """The names holding a word that starts with ``prefix``, shortest words first
        (their names match more of the word), each once, at most ``limit`` of them."""
        start, end = self._range(prefix)
        return self.holding(sorted(self.ordered[start:end], key=len), limit)

    def all_starting(self, prefix: str) -> set[int]:
        """Every name holding a word that starts with ``prefix``."""
        start, end = self._range(prefix)
        return set().union(*(self.postings[w] for w in self.ordered[start:end]))

    def of_type(self, name: int, types: Sequence[str]) -> bool:
        return not types or self.entity_types[self.name_entity[name]] in types

    def names_of(self, entity: int) -> range:
        first = self.entity_first[entity]
        return range(first, first + self.entity_names[entity])

    def matching(self, word: str, spellings: Iterable[str], *, prefixes: bool) -> list[str]:
        """The name words among ``spellings``, and, with ``prefixes``, those that start
        with ``word``."""
        return words_matching(self.ordered, self.postings, word, spellings, prefixes=prefixes)


def prefix_range(ordered: Sequence[str], prefix: str) -> tuple[int, int]:
    """Where the words starting with ``prefix`` are in the sorted ``ordered``."""
    start = bisect.bisect_left(ordered, prefix)
    return start, bisect.bisect_left(ordered, prefix + PAST_PREFIX, lo=start)


def words_matching(
    ordered: Sequence[str],
    known: Collection[str],
    word: str,
    spellings: Iterable[str],
    *,
    prefixes: bool,
) -> list[str]:
    """The words of ``known`` among ``spellings``, and, with ``prefixes``, the words of
    the sorted ``ordered`` that start with ``word``."""
    found = [w for w in dict.fromkeys(spellings) if w in known]
    if prefixes:
        start, end = prefix_range(ordered, word)
        seen = set(found)
        found += [w for w in ordered[start:end] if w not in seen]
    return found


def _statement() -> Any:
    return select(*_COLUMNS).order_by(SearchName.entity_id, SearchName.id)


def keyset_rows(
    session: Session, statement: Any, key: Sequence[Any], batch: int = _LOAD_BATCH
) -> Iterator[Any]:
    """Every row of ``statement`` in the order of ``key`` (unique, indexed), one short
    statement per ``batch`` rows: each finishes well inside the statement deadline
    (``KB_DATABASE_STATEMENT_TIMEOUT``), however large the table, where one statement
    kept open while every row is processed did not at a million entities."""
    last: tuple[Any, ...] | None = None
    while True:
        page = statement.order_by(*key).limit(batch)
        if last is not None:
            page = page.where(tuple_(*key) > tuple_(*(literal(v) for v in last)))
        rows = session.execute(page).all()
        yield from rows
        if len(rows) < batch:
            return
        last = tuple(rows[-1]._mapping[column] for column in key)


def load_name_table(session: Session) -> NameTable:
    """Every ``search_name`` row, in batches (``keyset_rows``)."""
    rows = keyset_rows(
        session, select(*_COLUMNS, SearchName.id), (SearchName.entity_id, SearchName.id)
    )
    return _build(None, (), rows)


def patched(table: NameTable, session: Session, entity_ids: Collection[str]) -> NameTable:
    """``table`` with the names of ``entity_ids`` replaced by what the database holds
    now (an entity with no rows left, a deleted one, loses its names)."""

    def rows() -> Iterator[Any]:
        ids = sorted(entity_ids)
        for i in range(0, len(ids), _PATCH_CHUNK):
            chunk = ids[i : i + _PATCH_CHUNK]
            yield from session.execute(_statement().where(SearchName.entity_id.in_(chunk)))

    return _build(table, entity_ids, rows())


def _build(base: NameTable | None, replaced: Collection[str], rows: Iterable[Any]) -> NameTable:
    """A new table: ``base``'s columns (copied) without the names of ``replaced``,
    plus ``rows`` (grouped by entity) appended."""
    if base is None:
        name_entity, name_style = array("i"), array("b")
        name_text = CodedColumn()
        name_key: list[str] = []
        styles: list[tuple[str, str]] = []
        entity_ids = StringIndex()
        entity_types = Categories()
        entity_first, entity_own = array("i"), array("i")
        entity_weights, entity_names = array("b"), array("b")
        postings: dict[str, array[int]] = {}
        dead_count = 0
    else:
        name_entity = array("i", base.name_entity)
        name_style = array(base.name_style.typecode, base.name_style)
        name_text, name_key = base.name_text.copy(), list(base.name_key)
        styles, entity_ids = list(base.styles), base.entity_ids.copy()
        entity_types = base.entity_types.copy()
        entity_weights = array(base.entity_weights.typecode, base.entity_weights)
        entity_first = array("i", base.entity_first)
        entity_names = array(base.entity_names.typecode, base.entity_names)
        entity_own = array("i", base.entity_own)
        postings = dict(base.postings)
        dead_count = base.dead
    dead: set[int] = set()
    for entity_id in replaced:
        gone = entity_ids.get(entity_id)
        if gone is not None:
            dead.update(range(entity_first[gone], entity_first[gone] + entity_names[gone]))
            entity_first[gone] = entity_names[gone] = 0
            entity_own[gone] = -1
    style_index = {style: n for n, style in enumerate(styles)}
    # One string object per distinct key: names repeat across entities and scripts
    # share keys (270,141 names held 56,088 distinct keys at 100,000 generated
    # entities), and a str costs 50 bytes before its characters.
    shared: dict[str, str] = {}
    # Postings gathered straight into arrays: a list holds a Python int (32 bytes, plus
    # its slot) per posting, and at a million entities those lists peaked at hundreds
    # of MB while the table loaded.
    added: dict[str, array[int]] = {}
    current, entity = None, -1
    for entity_id, entity_type, text, lang, kind, key, weight, alias_id, *_ in rows:
        ordinal = len(name_entity)
        if entity_id != current:  # rows come grouped by entity: its first name
            current = entity_id
            known = entity_ids.get(entity_id)
            entity_type = sys.intern(entity_type)
            if known is not None:
                entity = known
            else:
                entity = entity_ids.append(entity_id)
                entity_types.append(entity_type)
                for column in (entity_weights, entity_first, entity_names, entity_own):
                    column.append(0)
                entity_own[entity] = -1
            entity_types[entity] = entity_type
            entity_weights = stored(entity_weights, entity, weight)
            entity_first[entity] = ordinal
        entity_names = stored(entity_names, entity, ordinal + 1 - entity_first[entity])
        if alias_id is None:
            entity_own[entity] = ordinal
        name_entity.append(entity)
        name_text.append(text)
        name_key.append(shared.setdefault(key, key))
        style = style_index.get((lang, kind))
        if style is None:
            style = style_index[lang, kind] = len(styles)
            styles.append((lang, kind))
        name_style = stored(name_style, ordinal, style)
        for word in dict.fromkeys(key.split()):
            found = added.get(word)
            if found is None:
                added[sys.intern(word)] = array("i", (ordinal,))
            else:
                found.append(ordinal)
    affected = set(added)
    for name in dead:
        affected.update(name_key[name].split())
    for word in affected:
        kept = postings.get(word, array("i"))
        if dead:
            kept = array("i", (n for n in kept if n not in dead))
        more = added.get(word)
        if more is not None:
            kept = kept + more if kept else more
        if kept:
            postings[word] = kept
        else:
            postings.pop(word, None)
    ordered = sorted(postings)
    return NameTable(
        name_entity,
        name_text,
        name_key,
        name_style,
        styles,
        entity_ids,
        entity_types,
        entity_weights,
        entity_first,
        entity_names,
        entity_own,
        postings,
        ordered,
        list(itertools.accumulate((len(postings[w]) for w in ordered), initial=0)),
        dead_count + len(dead),
    )
