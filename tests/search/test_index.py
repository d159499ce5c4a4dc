"""The search words of an entity: what the knowledge base says about it besides its names."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select

from app.core.names import name_key
from app.models import Entity, SearchWord
from app.search.index import field_words, reindex


def _keys(*words: str) -> list[str]:
    return [name_key(word) for word in words]


def test_words_come_with_the_first_field_holding_them() -> None:
    words = field_words(
        set(_keys("Revolutionary")),  # a word of the entity's own name
        [
            ("description", "The Revolutionary party, a Russian Trotskyist group"),
            ("statement", "Trotskyism"),
            ("relation", "Russia"),
            ("statement", "group"),
        ],
    )
    party, russian, trotskyist, group, trotskyism, russia = _keys(
        "party", "Russian", "Trotskyist", "group", "Trotskyism", "Russia"
    )
    assert words == {
        party: "description",
        russian: "description",
        trotskyist: "description",
        group: "description",
        trotskyism: "statement",
        russia: "relation",
    }


def test_stopwords_and_single_letters_are_not_indexed() -> None:
    assert field_words(set(), [("description", "one of the two, a B")]) == {
        name_key("one"): "description",
        name_key("two"): "description",
    }


def test_the_seed_indexes_descriptions_statements_and_relations(seeded_engine: Engine) -> None:
    with seeded_engine.connect() as conn:
        rows = conn.execute(
            select(SearchWord.token, SearchWord.field).where(
                SearchWord.entity_id == "revolutionary-workers-party-russia"
            )
        ).all()
    words = dict(rows)
    trotskyist, trotskyism, russia, revolutionary = _keys(
        "Trotskyist", "Trotskyism", "Russia", "Revolutionary"
    )
    assert words[trotskyist] == "description"  # "a Russian Trotskyist organisation"
    assert words[trotskyism] == "statement"  # ideology: the concept Trotskyism
    assert words[russia] == "relation"  # located_in Russia
    assert revolutionary not in words  # a word of its own name


def test_reindex_replaces_and_drops_an_entitys_words(seeded_engine: Engine) -> None:
    entity = "revolutionary-workers-party-russia"
    with seeded_engine.connect() as conn, conn.begin() as transaction:
        conn.execute(
            Entity.__table__.update()  # type: ignore[attr-defined]
            .where(Entity.__table__.c.id == entity)  # type: ignore[attr-defined]
            .values(description="A party of Perm machinists")
        )
        reindex(conn, [entity])
        tokens = set(conn.scalars(select(SearchWord.token).where(SearchWord.entity_id == entity)))
        assert name_key("machinists") in tokens
        assert name_key("Trotskyist") not in tokens
        conn.execute(delete(Entity.__table__).where(Entity.__table__.c.id == entity))  # type: ignore[attr-defined]
        reindex(conn, [entity])
        assert not conn.scalars(
            select(SearchWord.token).where(SearchWord.entity_id == entity)
        ).all()
        transaction.rollback()
