"""The words of what the knowledge base says about each entity besides its names
(``search_word``: description, statements, related names) in memory, for partial
matching (app.search.service). Entities are numbered as in the name table: an entity
with no search name has no name to show, so partial matching never returns it and
its words are not kept. Loaded and patched with the name table (app.search.vocabulary).
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SearchWord
from app.search.columns import stored
from app.search.name_table import NameTable, keyset_rows, words_matching

FIELDS = ("description", "statement", "relation")
_FIELD_CODE = {field: n for n, field in enumerate(FIELDS)}
_PATCH_CHUNK = 500


@dataclass(frozen=True)
class FieldTable:
    words: list[str]  # sorted
    # word -> the entities having it, and in which field (an index into FIELDS)
    postings: dict[str, tuple[array[int], bytes]]
    # An entity's words: word_of[first:end] and field_of[first:end] for
    # first, end = entity_first[e], entity_first[e] + entity_words[e] (a byte each while
    # the counts fit); each word as its code in word_list
    # (2 bytes while the codes fit, then wider: ``stored``; a list slot took 8).
    entity_first: array[int]
    entity_words: array[int]
    word_of: array[int]
    field_of: bytearray
    word_list: list[str]  # every word held since the table was read in full, by code
    word_code: dict[str, int]

    def frequency(self, word: str) -> int:
        """How many entities have ``word``."""
        found = self.postings.get(word)
        return len(found[0]) if found is not None else 0

    def matching(self, word: str, spellings: Iterable[str], *, prefixes: bool) -> list[str]:
        """The words among ``spellings``, and, with ``prefixes``, those starting ``word``."""
        return words_matching(self.words, self.postings, word, spellings, prefixes=prefixes)

    def of_entity(self, entity: int) -> zip[tuple[str, int]]:
        if entity >= len(self.entity_first):
            return zip((), (), strict=True)
        start = self.entity_first[entity]
        end = start + self.entity_words[entity]
        words = map(self.word_list.__getitem__, self.word_of[start:end])
        return zip(words, self.field_of[start:end], strict=True)


def _statement() -> Any:
    return select(SearchWord.entity_id, SearchWord.token, SearchWord.field).order_by(
        SearchWord.entity_id
    )


def load_field_table(session: Session, names: NameTable) -> FieldTable:
    rows = keyset_rows(
        session,
        select(SearchWord.entity_id, SearchWord.token, SearchWord.field),
        (SearchWord.entity_id, SearchWord.token),
    )
    return _build(None, names, (), rows)


def patched(
    table: FieldTable, session: Session, names: NameTable, entity_ids: Collection[str]
) -> FieldTable:
    """``table`` with the words of ``entity_ids`` replaced by what the database holds
    now; ``names`` is the name table already patched for them."""

    def rows() -> Iterator[Any]:
        ids = sorted(entity_ids)
        for i in range(0, len(ids), _PATCH_CHUNK):
            chunk = ids[i : i + _PATCH_CHUNK]
            yield from session.execute(_statement().where(SearchWord.entity_id.in_(chunk)))

    return _build(table, names, entity_ids, rows())


def _build(
    base: FieldTable | None, names: NameTable, replaced: Collection[str], rows: Iterable[Any]
) -> FieldTable:
    """A new table: ``base``'s (copied) without the words of ``replaced``, plus
    ``rows`` (grouped by entity) appended."""
    if base is None:
        entity_first, entity_words = array("i"), array("b")
        word_of = array("h")
        field_of = bytearray()
        word_list: list[str] = []
        word_code: dict[str, int] = {}
        postings: dict[str, tuple[array[int], bytes]] = {}
    else:
        entity_first = array("i", base.entity_first)
        entity_words = array(base.entity_words.typecode, base.entity_words)
        word_of = array(base.word_of.typecode, base.word_of)
        field_of = bytearray(base.field_of)
        word_list, word_code = list(base.word_list), dict(base.word_code)
        postings = dict(base.postings)
    # Entities the name table has gained since: no words yet.
    grow = len(names.entity_ids) - len(entity_first)
    entity_first.extend([0] * grow)
    entity_words.extend([0] * grow)
    affected: set[str] = set()
    gone: set[int] = set()
    for entity_id in replaced:
        entity = names.entity_ids.get(entity_id)
        if entity is not None:
            gone.add(entity)
            first = entity_first[entity]
            held = word_of[first : first + entity_words[entity]]
            affected.update(map(word_list.__getitem__, held))
            entity_first[entity] = entity_words[entity] = 0
    # Straight into arrays, as in the name table (a list holds a Python int per entry).
    added: dict[str, tuple[array[int], bytearray]] = {}
    current, entity = None, None
    for entity_id, token, field, *_ in rows:
        if entity_id != current:  # rows come grouped by entity
            current = entity_id
            entity = names.entity_ids.get(entity_id)
            if entity is not None:
                entity_first[entity] = len(word_of)
        if entity is None:
            continue
        number = word_code.get(token)
        if number is None:
            number = word_code[token] = len(word_list)
            word_list.append(token)
        else:
            token = word_list[number]  # one str object per word
        code = _FIELD_CODE[field]
        word_of = stored(word_of, len(word_of), number)
        field_of.append(code)
        entity_words = stored(entity_words, entity, len(word_of) - entity_first[entity])
        entities, fields = added.setdefault(token, (array("i"), bytearray()))
        entities.append(entity)
        fields.append(code)
    affected.update(added)
    for word in affected:
        kept, codes = postings.get(word, (array("i"), b""))
        if gone:
            pairs = [(e, f) for e, f in zip(kept, codes, strict=True) if e not in gone]
            kept, codes = array("i", (e for e, _ in pairs)), bytes(f for _, f in pairs)
        new_entities, new_codes = added.get(word, (array("i"), bytearray()))
        if not kept and not new_entities:
            postings.pop(word, None)
        elif not kept:  # a word new to the table: its entities as gathered, not a copy
            postings[word] = (new_entities, bytes(new_codes))
        else:
            postings[word] = (kept + new_entities, bytes(codes) + new_codes)
    return FieldTable(
        sorted(postings),
        postings,
        entity_first,
        entity_words,
        word_of,
        field_of,
        word_list,
        word_code,
    )
