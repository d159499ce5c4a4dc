"""GET /v1/search beyond full name matches: partial matches, parenthesised
disambiguators, and the words of descriptions, statements and related names."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.search.service import FUZZY_CEILING, FUZZY_MIN_SIMILARITY, PARTIAL_CEILING

SMK = "socialist-movement-of-kazakhstan"
RWP_RUSSIA = "revolutionary-workers-party-russia"
RWP_PERM = "revolutionary-workers-party-perm"


def _search(client: TestClient, q: str, **params: str) -> list[dict[str, Any]]:
    response = client.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def _words(hit: dict[str, Any]) -> dict[str, str]:
    return {w["word"]: w["field"] for w in hit["matched"]["words"]}


def test_partial_matches_rank_below_every_full_match() -> None:
    assert PARTIAL_CEILING < FUZZY_CEILING * FUZZY_MIN_SIMILARITY


def test_a_word_no_name_holds_leaves_the_best_partial_match(client: TestClient) -> None:
    hits = _search(client, "Zhanaozen qwxzvbnm")
    assert hits[0]["id"] == "zhanaozen"
    assert hits[0]["score"] < PARTIAL_CEILING
    assert hits[0]["matched"]["field"] == "name"
    assert _words(hits[0]) == {"Zhanaozen": "name"}
    assert hits[0]["matched"]["unmatched"] == ["qwxzvbnm"]


def test_a_name_with_a_descriptor_finds_the_entity_holding_both(client: TestClient) -> None:
    hits = _search(client, "Tokayev president")
    assert hits[0]["id"] == "kassym-jomart-tokayev"
    # "president" is the value of his position_held statement.
    assert _words(hits[0]) == {"Tokayev": "name", "president": "statement"}
    assert hits[0]["matched"]["field"] == "statement"
    assert hits[0]["matched"]["unmatched"] == []
    # The government bears his name but covers half the query: further down.
    ids = [h["id"] for h in hits]
    assert ids.index("tokayev-government") > 0


def test_a_description_word_finds_the_entities_it_describes(client: TestClient) -> None:
    hits = _search(client, "Trotskyist")
    # The concept's name is a spelling variant: a full (fuzzy) match comes first.
    assert hits[0]["id"] == "trotskyism"
    assert hits[0]["score"] >= FUZZY_CEILING * FUZZY_MIN_SIMILARITY
    described = [h for h in hits if h["matched"]["field"] == "description"]
    assert RWP_RUSSIA in {h["id"] for h in described}  # "a Russian Trotskyist organisation"
    assert all(h["score"] < PARTIAL_CEILING for h in hits[1:])


def test_a_statement_values_entity_name_is_searchable(client: TestClient) -> None:
    # SMK's description does not say Trotskyist; its ideology statement is Trotskyism.
    hit = next(h for h in _search(client, "Trotskyist") if h["id"] == SMK)
    assert hit["matched"]["field"] == "statement"
    assert hit["matched"]["name"] == "Socialist Movement of Kazakhstan"


def test_names_before_descriptions_before_statements(client: TestClient) -> None:
    fields = [h["matched"]["field"] for h in _search(client, "Trotskyist")[1:]]
    order = ["name", "description", "statement", "relation"]
    assert fields == sorted(fields, key=order.index)


def test_a_disambiguator_picks_the_entity_related_to_it(client: TestClient) -> None:
    hits = _search(client, "Revolutionary Workers' Party (Russia)")
    assert [h["id"] for h in hits[:2]] == [RWP_RUSSIA, RWP_PERM]
    # Located in Russia: as exact as the bare name.
    assert hits[0]["score"] == 1.0
    assert _words(hits[0]) == {
        "Revolutionary": "name",
        "Workers": "name",
        "Party": "name",
        "Russia": "relation",
    }
    # The Perm party's description only says "Russian": a little lower.
    assert 0.99 < hits[1]["score"] < 1.0
    assert _words(hits[1])["Russia"] == "description"


def test_a_disambiguator_the_entity_lacks_demotes_it_to_a_partial_match(
    client: TestClient,
) -> None:
    hits = _search(client, "Socialist Resistance (Kazakhstan)")
    assert hits[0]["id"] == SMK
    russian = next(h for h in hits if h["id"] == "socialist-resistance-russia")
    assert russian["score"] < PARTIAL_CEILING
    assert russian["matched"]["unmatched"] == ["Kazakhstan"]


def test_without_the_parentheses_the_related_entity_is_a_partial_match(
    client: TestClient,
) -> None:
    hits = _search(client, "Revolutionary Workers' Party Russia")
    assert hits[0]["id"] == RWP_RUSSIA
    assert hits[0]["score"] < PARTIAL_CEILING
    assert hits[0]["matched"]["field"] == "relation"


def test_full_matches_list_every_word_in_the_name(client: TestClient) -> None:
    hit = _search(client, "Kurmanov Ainur")[0]
    assert hit["matched"]["field"] == "name"
    assert _words(hit) == {"Kurmanov": "name", "Ainur": "name"}
    assert hit["matched"]["unmatched"] == []


def test_the_type_filter_applies_to_partial_matches(client: TestClient) -> None:
    hits = _search(client, "Trotskyist", type="organisation")
    assert hits
    assert {h["type"] for h in hits} == {"organisation"}


def test_common_words_alone_match_nothing(client: TestClient) -> None:
    assert _search(client, "of the and") == []
