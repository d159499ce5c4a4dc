"""GET /v1/search: any name in any script finds its entity, best first."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app.core.pagination import Page
from app.search.schemas import SearchHit

SMK = "socialist-movement-of-kazakhstan"


def _search(client: TestClient, q: str, **params: str) -> list[dict]:  # type: ignore[type-arg]
    response = client.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "q",
    [
        "СДК",
        "QSQ",
        "Socialist Resistance",
        "социалистическое движение казахстана",
        "Sotsialisticheskoe Dvizhenie Kazakhstana",  # a romanisation the article never uses
        "socialist movment of kazakstan",  # typos
    ],
)
def test_the_organisation_comes_first_for_each_of_its_names(client: TestClient, q: str) -> None:
    assert _search(client, q)[0]["id"] == SMK


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Айнур Курманов", "ainur-kurmanov"),  # Cyrillic for a name the article gives in Latin
        ("Kurmanov Ainur", "ainur-kurmanov"),  # another word order
        ("kurm", "ainur-kurmanov"),  # a word prefix
        ("Нурсултан Назарбаев", "nursultan-nazarbayev"),
        ("Kasym-Zhomart Tokaev", "kassym-jomart-tokayev"),  # another romanisation
        ("Esenbek Uktešbaev", "esenbek-ukteshbayev"),
        ("Mukhamedzianov", "takhir-mukhamedzyanov"),
        ("Zhambyl Akhmetbekov", "jambyl-ahmetbekov"),
        ("Жанаозен", "zhanaozen"),
        ("Алматы", "almaty"),
        ("Sankt Peterburg", "saint-petersburg"),
        ("Bloody January", "2022-kazakh-unrest"),
        ("January Tragedy", "2022-kazakh-unrest"),
        ("CWI", "committee-for-a-workers-international"),
        ("Committee for Workers International", "committee-for-a-workers-international"),
        (
            "International Meeting of Comunist and Workers Parties",
            "international-meeting-of-communist-and-workers-parties",
        ),
        ("Rock for Free Educaton", "rock-for-free-education"),
    ],
)
def test_people_events_and_places_by_other_spellings(
    client: TestClient, q: str, expected: str
) -> None:
    assert _search(client, q)[0]["id"] == expected


def test_each_hit_says_which_name_matched(client: TestClient) -> None:
    hit = _search(client, "СДК")[0]
    assert hit["matched"] == {
        "name": "СДК",
        "lang": "ru-Cyrl",
        "kind": "abbreviation",
        "field": "name",
        "words": [{"word": "СДК", "field": "name"}],
        "unmatched": [],
    }
    assert hit["name"] == "Socialist Movement of Kazakhstan"
    assert hit["type"] == "organisation"


def test_exact_before_prefix_before_fuzzy(client: TestClient) -> None:
    exact = _search(client, "Zhanaozen")
    assert exact[0]["id"] == "zhanaozen"
    assert exact[0]["score"] == 1.0
    assert all(h["score"] < 1.0 for h in exact[1:])
    scores = [h["score"] for h in _search(client, "socialist")]
    assert scores == sorted(scores, reverse=True)
    fuzzy = _search(client, "socialist movment of kazakstan")[0]["score"]
    prefix = _search(client, "socialist movem")[0]["score"]
    assert fuzzy < 0.6 <= prefix < 0.9


def test_ties_go_to_the_entity_the_knowledge_base_knows_best(client: TestClient) -> None:
    hits = _search(client, "Socialist Resistance")
    both = [h for h in hits if h["score"] == 1.0]
    assert [h["id"] for h in both] == [SMK, "socialist-resistance-russia"]


def test_type_filter(client: TestClient) -> None:
    hits = _search(client, "Zhanaozen", type="event")
    assert hits
    assert {h["type"] for h in hits} == {"event"}
    several = client.get(
        "/v1/search", params=[("q", "Kazakhstan"), ("type", "place"), ("type", "person")]
    )
    assert {h["type"] for h in several.json()["items"]} <= {"place", "person"}


def test_as_of_gives_the_name_valid_then(client: TestClient) -> None:
    hit = _search(client, "СДК", as_of="2008-01-01")[0]
    assert hit["name"] == "Socialist Resistance of Kazakhstan"


def test_search_pages(client: TestClient) -> None:
    first = client.get("/v1/search", params={"q": "kazakhstan", "limit": 2}).json()
    assert first["total"] > 2
    second = client.get(first["next"]).json()
    assert {h["id"] for h in first["items"]}.isdisjoint({h["id"] for h in second["items"]})


@pytest.mark.parametrize("q", ["", "   ", "x" * 201])
def test_unsearchable_queries_are_422(client: TestClient, q: str) -> None:
    response = client.get("/v1/search", params={"q": q})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "q"


def test_a_query_with_no_letters_finds_nothing(client: TestClient) -> None:
    assert client.get("/v1/search", params={"q": "!!!"}).json()["total"] == 0


def test_nothing_found_is_an_empty_page(client: TestClient) -> None:
    assert client.get("/v1/search", params={"q": "qwxzvbnm"}).json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "next": None,
        "cursor": None,
    }


def test_the_bytes_served_are_the_response_models_own(client: TestClient) -> None:
    """Pages are encoded as built, not validated per request (app.core.responses): what
    is served must be what the response model would have served, byte for byte, for
    full, partial and disambiguated matches, in any script, on any page."""
    model = TypeAdapter(Page[SearchHit])
    names = [
        entity["name"]
        for kind in ("organisations", "people", "events", "places")
        for entity in client.get(f"/v1/{kind}", params={"limit": 200}).json()["items"]
    ]
    queries = [
        *names,
        *(name.lower()[1:] for name in names),  # a typo's worth of difference
        "Айнур Курманов",
        "kurm",
        "workers strike oil",
        "Revolutionary Workers' Party (Russia)",
        "kazakhstan",
    ]
    pages = 0
    for q in queries:
        for params in ({"q": q}, {"q": q, "limit": "3", "type": "organisation"}):
            response = client.get("/v1/search", params=params)
            assert response.status_code == 200, (q, response.text)
            served = response.content
            assert model.dump_json(model.validate_json(served)) == served, q
            following = response.json()["next"]
            assert response.headers.get("link") == (
                None if following is None else f'<{following}>; rel="next"'
            )
            pages += 1
    assert pages > 100
