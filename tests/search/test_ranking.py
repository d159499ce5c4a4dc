"""How hits rank and which one an entity keeps, however the stages make them."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.search import service
from app.search.name_table import load_name_table
from app.search.vocabulary import vocabulary


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
    # name of all three (service._each_entitys_best): the hits _best would keep of
    # them all, best first.
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
        assert list(made) == list(kept.values())  # the same hits, in the same order


def test_ranking_only_the_entities_that_can_come_first_keeps_the_first_hits(
    seeded_engine: Engine,
) -> None:
    # With first=k, only the entities whose best score and weight come no later than
    # the k-th entity's are ranked at once: the first k hits are those of ranking them
    # all, ties on score and weight included (broken by official name, name and id);
    # the others are ranked when read, after them.
    with Session(seeded_engine) as session:
        names = load_name_table(session)
    rng = random.Random(13)
    cut = 0
    for _ in range(300):
        pool = rng.sample(range(len(names)), 12)
        scored = [
            (rng.choice(pool), rng.choice((0.5, 0.7, 1.0))) for _ in range(rng.randint(1, 40))
        ]
        every = list(service._each_entitys_best(names, scored, ()))
        for first in (1, 2, 5):
            made = service._each_entitys_best(names, scored, (), first)
            assert len(made) == len(every)
            assert made[:first] == every[:first], (scored, first)
            assert list(made) == every, (scored, first)  # the rest, ranked when read
            cut += service._contenders(names, scored, first)[2] > 0
    assert cut > 100  # entities were left unranked at first, and it mattered


def test_full_matches_are_ranked_hits_made_when_asked_for(seeded_engine: Engine) -> None:
    # search() answers an exact or prefix match with RankedHits: a sequence whose hits
    # are made when first asked for. By index, slice or iteration, they are the same.
    with Session(seeded_engine) as session:
        vocab = vocabulary(session)
    hits = service.search(vocab, "kazakhstan")
    assert isinstance(hits, service.RankedHits)
    assert len(hits) > 5
    every = list(hits)
    assert [hits[n] for n in range(len(hits))] == every
    assert [hits[n] for n in range(-len(hits), 0)] == every
    assert hits[2:5] == every[2:5]
    assert hits[3:] == every[3:]
    assert hits[:100] == every
    assert hits[len(hits) :] == []
    assert hits[1] is every[1]  # made once
    ordinals = vocab.names.entity_ids
    assert hits.entities() == {ordinals.get(hit.entity_id) for hit in every}
    for beyond in (len(hits), -len(hits) - 1):
        with pytest.raises(IndexError):
            hits[beyond]
    assert [service._rank_key(hit) for hit in every] == sorted(map(service._rank_key, every))


def test_a_caller_reading_the_first_hits_gets_the_same_first_hits(seeded_engine: Engine) -> None:
    # search(first=k) skips a stage when the stages before it found k entities, and
    # ranks only those that can come first: any exact match outranks any prefix match,
    # which outranks any fuzzy one, and partial scores stay below every fuzzy one; so
    # the first k are the same.
    assert service.PREFIX_FLOOR + service.PREFIX_SPAN < service.REORDERED < service.EXACT
    assert service.FUZZY_CEILING < service.PREFIX_FLOOR
    assert service.PARTIAL_CEILING < service.FUZZY_CEILING * service.FUZZY_MIN_SIMILARITY
    with Session(seeded_engine) as session:
        vocab = vocabulary(session)
        names = load_name_table(session)
    rng = random.Random(11)
    queries = [
        "socialist movment of kazakstan",
        "kurmanov",
        "Revolutionary Workers' Party (Russia)",
    ]
    for text in rng.sample(list(names.name_text), 60):
        at = rng.randrange(1, max(2, len(text) - 1))
        queries += [text, text[:at] + text[at + 1 :], text[:at] + "q" + text[at:]]
    skipped = 0
    for query in queries:
        every = list(service.search(vocab, query))
        for first in (1, 3, 10):
            hits = service.search(vocab, query, first=first)
            assert list(hits[:first]) == every[:first], (query, first)
            skipped += len(hits) < len(every)
    assert skipped > 10  # stages were skipped, and it mattered


def test_a_page_ranking_only_its_first_hits_gets_every_hit_in_order(
    seeded_engine: Engine,
) -> None:
    # search(rank_first=k), as a page ending at k asks: every hit, in the same order,
    # the first k ranked at once and the others when read.
    with Session(seeded_engine) as session:
        vocab = vocabulary(session)
        names = load_name_table(session)
    rng = random.Random(17)
    queries = ["kazakhstan", "party", "socialist", "strike", "kurm", "zhanaozen"]
    queries += rng.sample(list(names.name_text), 40)
    for query in queries:
        every = list(service.search(vocab, query))
        for end in (1, 3, 20):
            hits = service.search(vocab, query, rank_first=end)
            assert len(hits) == len(every)
            assert hits[:end] == every[:end], (query, end)
            assert list(hits) == every, (query, end)


def test_partial_matches_follow_the_full_ones_each_in_rank_order(seeded_engine: Engine) -> None:
    # When no full match scores as a prefix does (a typo), search() answers the full
    # hits in their order, then the partial ones in theirs, without ranking them all
    # together: the same hits, in the same order, as ranking them all together.
    with Session(seeded_engine) as session:
        vocab = vocabulary(session)
        names = load_name_table(session)
    rng = random.Random(23)
    queries = ["socialist movment of kazakstan", "kurmanof party", "zhanaozen striek"]
    for text in rng.sample(list(names.name_text), 80):
        at = rng.randrange(1, max(2, len(text) - 1))
        queries.append(text[:at] + text[at + 1 :])
    followed = 0
    for text in queries:
        hits = service.search(vocab, text)
        query = service.parse_query(text)
        if query.context or not query.tokens:
            continue
        full = service._full(vocab, query.tokens, (), words=())
        if full.best_score() >= service.PREFIX_FLOOR:
            continue  # no partial matches are looked for
        partial = service._partial(vocab, query, (), full.entities(), [])
        every = list(service._best([*full, *partial]).values())
        assert [h.entity_id for h in hits] == [h.entity_id for h in every], text
        assert [h.score for h in hits] == [h.score for h in every], text
        if not isinstance(hits, service._Followed):
            continue
        followed += bool(partial) and len(full) > 0
        made = list(hits)
        assert [hits[n] for n in range(len(hits))] == made
        assert [hits[n] for n in range(-len(hits), 0)] == made
        assert hits[1:4] == made[1:4]
        assert hits[len(full) - 1 :] == made[len(full) - 1 :]
        for beyond in (len(hits), -len(hits) - 1):
            with pytest.raises(IndexError):
                hits[beyond]
    assert followed > 10  # typos with both full and partial matches were checked
