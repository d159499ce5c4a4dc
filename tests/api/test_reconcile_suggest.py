"""Suggest services (W3C Reconciliation API 0.2): entities, types and properties as a
user types. The answers' shapes are checked against the official schemas in
``test_reconcile_schemas.py``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.reconcile.suggest import completions

SMK = "socialist-movement-of-kazakhstan"


def suggested(client: TestClient, path: str, **params: Any) -> list[str]:
    response = client.get(f"/v1/reconcile/suggest/{path}", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["result"]]


@pytest.mark.parametrize(
    ("typed", "entity"),
    [
        ("Socialist Mov", SMK),
        ("Соц", SMK),  # Cyrillic, cut short
        ("Социалистическое Д", SMK),
        ("сд", SMK),  # the abbreviation СДК, typed in part
        ("QS", SMK),
        ("Sot", SMK),  # "Sots|ialisticheskoe": cut inside "ts"
        ("Kazak", "kazakhstan"),  # cut inside "kh"
        ("Tokay", "kassym-jomart-tokayev"),  # the glide that keys drop
        ("Ainur Kur", "ainur-kurmanov"),
        ("Kurmanov Ai", "ainur-kurmanov"),  # another word order
        ("Жана", "zhanartu"),
        ("ainur-kurmanov", "ainur-kurmanov"),  # an id in full
    ],
)
def test_what_is_typed_so_far_finds_its_entity_among_the_first(
    client: TestClient, typed: str, entity: str
) -> None:
    assert entity in suggested(client, "entity", prefix=typed, limit=5)


def test_a_suggested_entity_has_its_name_description_and_type(client: TestClient) -> None:
    first = client.get("/v1/reconcile/suggest/entity", params={"prefix": "СДК"}).json()["result"][0]
    assert first == {
        "id": SMK,
        "name": "Socialist Movement of Kazakhstan",
        "description": "a banned communist political organisation in Kazakhstan",
        "notable": [{"id": "organisation", "name": "Organisation"}],
    }


def test_cursor_and_limit_page_through_the_suggestions(client: TestClient) -> None:
    everything = suggested(client, "entity", prefix="Soc", limit=50)
    assert len(everything) > 6
    assert suggested(client, "entity", prefix="Soc", limit=3) == everything[:3]
    assert suggested(client, "entity", prefix="Soc", limit=3, cursor=3) == everything[3:6]
    assert suggested(client, "entity", prefix="Soc", cursor=10_000) == []


def test_a_type_narrows_the_suggestions(client: TestClient) -> None:
    people = client.get("/v1/reconcile/suggest/entity", params={"prefix": "Kaz", "type": "person"})
    assert people.status_code == 200
    assert {i["notable"][0]["id"] for i in people.json()["result"]} <= {"person"}
    assert suggested(client, "entity", prefix="Kaz", type="") == suggested(
        client, "entity", prefix="Kaz"
    )


def test_nothing_typed_suggests_nothing(client: TestClient) -> None:
    assert suggested(client, "entity", prefix="") == []
    assert suggested(client, "entity", prefix="  ") == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"prefix": "x", "limit": 0},
        {"prefix": "x", "cursor": -1},
        {"prefix": "x", "type": "planet"},
    ],
)
def test_bad_suggest_parameters_are_422_problems(
    client: TestClient, params: dict[str, Any]
) -> None:
    response = client.get("/v1/reconcile/suggest/entity", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_types_are_suggested_by_id_or_name(client: TestClient) -> None:
    assert suggested(client, "type", prefix="pe") == ["person"]
    assert suggested(client, "type", prefix="ORG") == ["organisation"]
    assert len(suggested(client, "type", prefix="")) == 5
    assert suggested(client, "type", prefix="planet") == []


def test_properties_are_suggested_by_a_word_of_their_name(client: TestClient) -> None:
    assert suggested(client, "property", prefix="founding")[0] == "founding_date"
    assert "founding_date" in suggested(client, "property", prefix="date", limit=50)
    assert suggested(client, "property", prefix="chair") == ["chairperson"]
    assert "aliases@ru-Cyrl" in suggested(client, "property", prefix="alias", limit=50)
    assert "ideology" in suggested(client, "property", prefix="ideo")
    person = suggested(client, "property", prefix="date", type="person", limit=50)
    assert "birth_date" in person
    assert "founding_date" not in person


@pytest.mark.parametrize(
    ("typed", "also"),
    [
        ("Sot", ["Sots"]),
        ("Kazak", ["Kazakh"]),
        ("Tokay", ["Toka"]),
        ("Сот", ["Sots"]),
        ("Ainur", []),
        ("Kurmanov ", []),
        ("1991", []),
    ],
)
def test_a_word_cut_inside_a_letter_group_is_completed(typed: str, also: list[str]) -> None:
    assert completions(typed) == also
