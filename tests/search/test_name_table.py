"""The in-memory search tables hold exactly the search rows, however they are paged in."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.core.db import PAGE_CACHE_KIB, PASSING_CACHE_KIB
from app.models import SearchName, SearchWord
from app.search import vocabulary
from app.search.field_table import _build as build_fields
from app.search.field_table import load_field_table
from app.search.name_table import NameTable, keyset_rows, load_name_table
from app.search.name_table import _build as build_names


def test_keyset_pages_give_every_row_once_in_key_order(seeded_engine: Engine) -> None:
    key = (SearchName.entity_id, SearchName.id)
    with Session(seeded_engine) as session:
        whole = session.execute(select(SearchName.name, *key).order_by(*key)).all()
        for batch in (1, 7, len(whole) - 1, len(whole), len(whole) + 1):
            paged = list(keyset_rows(session, select(SearchName.name, *key), key, batch))
            assert [tuple(row) for row in paged] == [tuple(row) for row in whole], batch


def test_the_tables_hold_every_name_and_search_word(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as session:
        names = load_name_table(session)
        fields = load_field_table(session, names)
        stored_names = session.execute(
            select(SearchName.entity_id, SearchName.name, SearchName.key)
        ).all()
        stored_words = session.execute(
            select(SearchWord.entity_id, SearchWord.token, SearchWord.field)
        ).all()
    held = sorted(
        (names.entity_ids[e], names.name_text[n], names.name_key[n])
        for e in range(len(names.entity_ids))
        for n in names.names_of(e)
    )
    assert held == sorted(tuple(row) for row in stored_names)
    for word, postings in names.postings.items():
        assert all(word in names.name_key[n].split() for n in postings)
    assert sum(len(p) for p in names.postings.values()) == sum(
        len(set(key.split())) for _, _, key in stored_names
    )
    field_names = ("description", "statement", "relation")
    held_words = sorted(
        (names.entity_ids[e], word, field_names[code])
        for e in range(len(names.entity_ids))
        for word, code in fields.of_entity(e)
    )
    assert held_words == sorted(tuple(row) for row in stored_words)


def test_the_tables_are_read_through_a_small_page_cache_and_the_connection_gets_its_own_back(
    seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("a SQLite connection's page cache; other engines are left as they are")
    seen: list[int] = []

    def load_and_look(session: Session) -> NameTable:
        seen.append(session.execute(text("PRAGMA cache_size")).scalar_one())
        return load_name_table(session)

    monkeypatch.setattr(vocabulary, "load_name_table", load_and_look)
    with Session(seeded_engine) as session:
        vocabulary._loaded(session, vocabulary.read_position(session))
        after = session.execute(text("PRAGMA cache_size")).scalar_one()
    assert seen == [-PASSING_CACHE_KIB]
    assert after == -PAGE_CACHE_KIB


def test_the_narrow_columns_widen_when_their_codes_outgrow_them() -> None:
    # 300 (lang, kind) styles: past a byte each; 70,000 distinct words: past two bytes.
    rows = [
        ("e-1" if n < 150 else "e-2", "person", f"Name {n}", f"x{n}", "alias", f"name {n}", 1, n)
        for n in range(300)
    ]
    names = build_names(None, (), rows)
    assert [names.styles[names.name_style[n]] for n in range(300)] == [
        (f"x{n}", "alias") for n in range(300)
    ]
    words = [("e-1", f"w{n}", "description") for n in range(70_000)]
    fields = build_fields(None, names, (), words)
    assert [word for word, _ in fields.of_entity(0)] == [f"w{n}" for n in range(70_000)]
