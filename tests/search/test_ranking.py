"""How hits rank and which one an entity keeps, however the stages make them."""

from __future__ import annotations

import random

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.search import service
from app.search.name_table import load_name_table


def test_a_names_rank_is_the_rank_of_the_hit_it_would_make(seeded_engine: Engine) -> None:
    # The fuzzy stage ranks its names without making their hits (service._name_rank).
    with Session(seeded_engine) as session:
        names = load_name_table(session)
    assert len(names) > 100
    for name in range(len(names)):
        for score in (1.0, 0.5 * service.FUZZY_CEILING, 0.123456789):
            hit = service._hit(names, name, score)
            assert service._name_rank(names, name, score) == service._rank_key(hit), name


def hit(
    entity: str, score: float, name: str, *, kind: str = "official", lang: str = "en"
) -> service.Hit:
    return service.Hit(entity, "person", score, 1, name, lang, kind)


def test_each_entity_keeps_its_best_hit_and_the_first_of_equals() -> None:
    hits = [
        hit("b", 0.5, "B alias", kind="alias"),
        hit("a", 0.7, "A"),
        hit("b", 0.5, "B"),  # same score: the official name beats the alias
        hit("a", 0.7, "A", lang="ru"),  # ranks as the first "A": the first stays
        hit("c", 0.9, "C"),
        hit("a", 0.3, "A worse"),
    ]
    best = service._best(hits)
    assert list(best) == ["c", "a", "b"]  # best entity first
    assert best["a"] is hits[1]
    assert best["b"] is hits[2]
    assert best["c"] is hits[4]


def test_a_stage_makes_the_very_hits_best_would_keep(seeded_engine: Engine) -> None:
    # The exact, prefix and fuzzy stages make a hit only of each entity's best-ranked
    # name (service._each_entitys_best): the hits _best would keep of them all.
    with Session(seeded_engine) as session:
        names = load_name_table(session)
    rng = random.Random(7)
    for _ in range(300):
        # Few entities' names, drawn with repeats, at few scores: many ties.
        pool = rng.sample(range(len(names)), 12)
        scored = [
            (rng.choice(pool), rng.choice((0.5, 0.7, 1.0))) for _ in range(rng.randint(1, 40))
        ]
        made = service._each_entitys_best(names, scored, ())
        kept = service._best([service._hit(names, name, score) for name, score in scored])
        assert {h.entity_id: h for h in made} == kept
        assert len(made) == len(kept)
