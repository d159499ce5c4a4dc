"""Every search name in memory, with postings from each name word to the names holding it.

The exact, prefix and fuzzy stages of search (app.search.service) run here, not in
the database: a query's candidates are the postings of its most selective word, and
checking a candidate is a string comparison. The database gave the same candidates
through the ``search_token`` B-tree, but reading a thousand rows per query cost tens of
milliseconds at 100,000 entities (docs/performance.md).

The table is built from ``search_name`` once per process and dataset revision, like the
vocabulary it replaces the name half of; a name's words are its key's words, so
``search_token`` is not read. Names are kept in parallel columns (one list or array per
field, strings shared where they repeat) because a row object per name would cost
several times the memory.
"""

from __future__ import annotations

import bisect
import itertools
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SearchName

# One past 'z' in code-point order: [p, p + "{") holds every word starting with p.
PAST_PREFIX = "{"
# Rows fetched per round trip while loading: bounded memory on either engine.
_LOAD_BATCH = 10_000


@dataclass(frozen=True)
class NameTable:
    """Search names by ordinal (their position), each with its entity's ordinal."""

    name_entity: array[int]  # name -> entity ordinal
    name_text: list[str]
    name_key: list[str]
    name_style: array[int]  # name -> index into ``styles``
    styles: list[tuple[str, str]]  # (lang, kind)
    entity_ids: list[str]
    entity_types: list[str]
    entity_weights: array[int]
    entity_index: dict[str, int]  # entity id -> ordinal
    # An entity's names are contiguous: ordinals entity_names[e] to entity_names[e + 1].
    entity_names: array[int]
    entity_own: array[int]  # entity -> its own name (not an alias), or -1
    postings: dict[str, array[int]]  # name word -> ordinals of the names holding it
    # The name words in order, and how many names hold the words before each: how many
    # names hold a word starting with a prefix is two bisections.
    ordered: list[str] = field(default_factory=list)
    running: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.name_key)

    def frequency(self, word: str) -> int:
        """How many names hold ``word``."""
        found = self.postings.get(word)
        return len(found) if found is not None else 0

    def prefix_count(self, prefix: str) -> int:
        """How many (name, word) pairs have a word starting with ``prefix``."""
        start, end = self._range(prefix)
        return self.running[end] - self.running[start]

    def _range(self, prefix: str) -> tuple[int, int]:
        start = bisect.bisect_left(self.ordered, prefix)
        return start, bisect.bisect_left(self.ordered, prefix + PAST_PREFIX, lo=start)

    def words_starting(self, prefix: str) -> frozenset[str]:
        """The name words that start with ``prefix``."""
        start, end = self._range(prefix)
        return frozenset(self.ordered[start:end])

    def holding(self, words: Iterable[str], limit: int) -> Iterator[int]:
        """The names holding any of ``words``, each once, at most ``limit`` of them."""
        seen: set[int] = set()
        for word in words:
            for name in self.postings.get(word, ()):
                if name not in seen:
                    if len(seen) == limit:
                        return
                    seen.add(name)
                    yield name

    def starting(self, prefix: str, limit: int) -> Iterator[int]:
        """The names holding a word that starts with ``prefix``, shortest words first
        (their names match more of the word), each once, at most ``limit`` of them."""
        start, end = self._range(prefix)
        words = sorted(self.ordered[start:end], key=len)
        return self.holding(words, limit)

    def of_type(self, name: int, types: Sequence[str]) -> bool:
        return not types or self.entity_types[self.name_entity[name]] in types

    def names_of(self, entity: int) -> range:
        return range(self.entity_names[entity], self.entity_names[entity + 1])

    def matching(self, word: str, spellings: Iterable[str], *, prefixes: bool) -> list[str]:
        """The name words among ``spellings``, and, with ``prefixes``, those that start
        with ``word``."""
        found = [w for w in dict.fromkeys(spellings) if w in self.postings]
        if prefixes:
            start, end = self._range(word)
            known = set(found)
            found += [w for w in self.ordered[start:end] if w not in known]
        return found


def load_name_table(session: Session) -> NameTable:
    """Every ``search_name`` row, read in batches (streamed on PostgreSQL)."""
    entity_index: dict[str, int] = {}
    entity_ids: list[str] = []
    entity_types: list[str] = []
    entity_weights = array("q")
    entity_names = array("q")
    entity_own = array("q")
    name_entity = array("q")
    name_text: list[str] = []
    name_key: list[str] = []
    style_index: dict[tuple[str, str], int] = {}
    name_style = array("H")
    grouped: dict[str, list[int]] = {}
    interned: dict[str, str] = {}
    statement = (
        select(
            SearchName.entity_id,
            SearchName.entity_type,
            SearchName.name,
            SearchName.lang,
            SearchName.kind,
            SearchName.key,
            SearchName.weight,
            SearchName.alias_id,
        )
        .order_by(SearchName.entity_id, SearchName.id)
        .execution_options(yield_per=_LOAD_BATCH)
    )
    rows = session.execute(statement)
    for entity_id, entity_type, text, lang, kind, key, weight, alias_id in rows:
        ordinal = len(name_key)
        entity = entity_index.get(entity_id)
        if entity is None:  # rows come grouped by entity: its first name
            entity = entity_index[entity_id] = len(entity_ids)
            entity_ids.append(entity_id)
            entity_types.append(interned.setdefault(entity_type, entity_type))
            entity_weights.append(weight)
            entity_names.append(ordinal)
            entity_own.append(-1)
        if alias_id is None:
            entity_own[entity] = ordinal
        name_entity.append(entity)
        name_text.append(text)
        name_key.append(key)
        style = style_index.setdefault((lang, kind), len(style_index))
        name_style.append(style)
        for word in dict.fromkeys(key.split()):
            postings = grouped.get(word)
            if postings is None:
                grouped[sys.intern(word)] = [ordinal]
            else:
                postings.append(ordinal)
    entity_names.append(len(name_key))
    ordered = sorted(grouped)
    return NameTable(
        name_entity,
        name_text,
        name_key,
        name_style,
        list(style_index),
        entity_ids,
        entity_types,
        entity_weights,
        entity_index,
        entity_names,
        entity_own,
        {word: array("q", names) for word, names in grouped.items()},
        ordered,
        list(itertools.accumulate((len(grouped[w]) for w in ordered), initial=0)),
    )
