"""The words of what the knowledge base says about each entity besides its names
(``search_word``: description, statements, related names) in memory, for partial
matching (app.search.service). Entities are numbered as in the name table: an entity
with no search name has no name to show, so partial matching never returns it and
its words are not kept.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SearchWord
from app.search.name_table import PAST_PREFIX, NameTable

FIELDS = ("description", "statement", "relation")
_LOAD_BATCH = 10_000


@dataclass(frozen=True)
class FieldTable:
    words: list[str]  # sorted
    frequency: dict[str, int]  # word -> how many entities have it
    # word -> the entities having it, and in which field (an index into FIELDS)
    postings: dict[str, tuple[array[int], bytes]]
    # An entity's words: word_of[e0:e1] and field_of[e0:e1], e0, e1 = entity_words[e], [e + 1]
    entity_words: array[int]
    word_of: list[str]
    field_of: bytes

    def matching(self, word: str, spellings: Iterable[str], *, prefixes: bool) -> list[str]:
        """The words among ``spellings``, and, with ``prefixes``, those starting ``word``."""
        found = [w for w in dict.fromkeys(spellings) if w in self.postings]
        if prefixes:
            start = bisect.bisect_left(self.words, word)
            end = bisect.bisect_left(self.words, word + PAST_PREFIX, lo=start)
            known = set(found)
            found += [w for w in self.words[start:end] if w not in known]
        return found

    def of_entity(self, entity: int) -> zip[tuple[str, int]]:
        start, end = self.entity_words[entity], self.entity_words[entity + 1]
        return zip(self.word_of[start:end], self.field_of[start:end], strict=True)


def load_field_table(session: Session, names: NameTable) -> FieldTable:
    field_code = {field: n for n, field in enumerate(FIELDS)}
    interned: dict[str, str] = {}
    grouped: dict[str, tuple[list[int], bytearray]] = {}
    by_entity: list[list[tuple[str, int]]] = [[] for _ in names.entity_ids]
    statement = select(SearchWord.entity_id, SearchWord.token, SearchWord.field).execution_options(
        yield_per=_LOAD_BATCH
    )
    for entity_id, token, field in session.execute(statement):
        entity = names.entity_index.get(entity_id)
        if entity is None:
            continue
        token = interned.setdefault(token, token)
        code = field_code[field]
        entities, fields = grouped.setdefault(token, ([], bytearray()))
        entities.append(entity)
        fields.append(code)
        by_entity[entity].append((token, code))
    entity_words = array("q", [0])
    word_of: list[str] = []
    field_of = bytearray()
    for words in by_entity:
        word_of += [w for w, _ in words]
        field_of += bytes(code for _, code in words)
        entity_words.append(len(word_of))
    return FieldTable(
        sorted(grouped),
        {word: len(entities) for word, (entities, _) in grouped.items()},
        {
            word: (array("q", entities), bytes(fields))
            for word, (entities, fields) in grouped.items()
        },
        entity_words,
        word_of,
        bytes(field_of),
    )
