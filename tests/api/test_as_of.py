"""?as_of=: the name valid at a date, and only the facts that held then."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

SMK = "/v1/organisations/socialist-movement-of-kazakhstan"


@pytest.mark.parametrize(
    ("as_of", "name"),
    [
        ("2008-01-01", "Socialist Resistance of Kazakhstan"),
        ("2011-05-06", "Socialist Resistance of Kazakhstan"),
        ("2011-05-07", "Socialist Movement of Kazakhstan"),  # renamed that day
        ("2012-01-01", "Socialist Movement of Kazakhstan"),
    ],
)
def test_the_name_valid_at_the_date(client: TestClient, as_of: str, name: str) -> None:
    body = client.get(SMK, params={"as_of": as_of}).json()
    assert body["name"] == name
    assert body["as_of"] == {"date": as_of, "existed": True, "note": None}


def test_relations_are_those_that_held_then(client: TestClient) -> None:
    def verbs(as_of: str) -> set[tuple[str, str]]:
        body = client.get(SMK, params={"as_of": as_of}).json()
        return {(r["relation"], r["target"]["id"]) for r in body["relations"]}

    section = ("section_of", "committee-for-a-workers-international")
    assert section in verbs("2004")
    assert section not in verbs("2012")


def test_a_date_before_the_entity_existed_is_not_an_error(client: TestClient) -> None:
    response = client.get(SMK, params={"as_of": "1999"})
    assert response.status_code == 200
    as_of = response.json()["as_of"]
    assert as_of["existed"] is False
    assert "before" in as_of["note"]


def test_without_as_of_the_body_has_none(client: TestClient) -> None:
    assert client.get(SMK).json()["as_of"] is None


def test_as_of_works_on_lists_and_any_entity(client: TestClient) -> None:
    items = client.get("/v1/organisations", params={"as_of": "2008", "limit": 200}).json()["items"]
    smk = next(i for i in items if i["id"] == "socialist-movement-of-kazakhstan")
    assert smk["name"] == "Socialist Resistance of Kazakhstan"
    entity = client.get("/v1/entities/socialist-movement-of-kazakhstan?as_of=2008").json()
    assert entity["name"] == "Socialist Resistance of Kazakhstan"


@pytest.mark.parametrize("bad", ["2011-13", "2011-02-30", "May 2011"])
def test_a_bad_as_of_is_422(client: TestClient, bad: str) -> None:
    response = client.get(SMK, params={"as_of": bad})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]
