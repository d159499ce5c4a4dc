"""Facts as sub-resources: create, read, merge-patch and delete, each with sources."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.curation.conftest import QUOTE, etag

PERSON = "/v1/people/ainur-kurmanov"


def test_an_added_alias_keeps_its_id_through_edits_and_shows_in_the_body(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = client.post(
        f"{PERSON}/aliases",
        json={"name": "Айнур Курманов", "lang": "ru-Cyrl", "kind": "other", "sources": [QUOTE]},
        headers=writer,
    )
    assert created.status_code == 201, created.text
    alias = created.json()
    location = created.headers["location"]
    assert location == f"{PERSON}/aliases/{alias['id']}"
    assert client.get(location).json() == alias
    patched = client.patch(
        location, json={"kind": "translation"}, headers={**writer, "If-Match": etag(client, PERSON)}
    )
    assert patched.status_code == 200
    assert patched.json() | {"kind": "other"} == alias
    body = client.get(PERSON).json()
    assert {"id": alias["id"], "kind": "translation"}.items() <= next(
        a for a in body["aliases"] if a["id"] == alias["id"]
    ).items()
    assert client.get("/v1/aliases", params={"q": "Айнур Курманов"}).json()["total"] >= 1


def test_the_same_fact_twice_is_409(client: TestClient, writer: dict[str, str]) -> None:
    alias = {"name": "A. K.", "lang": "en", "kind": "abbreviation", "sources": [QUOTE]}
    assert client.post(f"{PERSON}/aliases", json=alias, headers=writer).status_code == 201
    again = client.post(f"{PERSON}/aliases", json=alias, headers=writer)
    assert again.status_code == 409
    assert again.json()["existing"].startswith("al_")


def test_a_membership_written_on_a_person_shows_on_the_organisation_too(
    client: TestClient, writer: dict[str, str]
) -> None:
    organisation = "/v1/organisations/socialist-movement-of-kazakhstan"
    version = client.get(organisation).json()["version"]
    created = client.post(
        f"{PERSON}/memberships",
        json={
            "organisation": "socialist-movement-of-kazakhstan",
            "role": "treasurer",
            "start_date": "2015",
            "sources": [QUOTE],
        },
        headers=writer,
    )
    assert created.status_code == 201, created.text
    fact_id = created.json()["id"]
    body = client.get(organisation).json()
    assert fact_id in {m["id"] for m in body["memberships"]}
    assert body["version"] == version + 1
    wrong = client.post(
        f"{PERSON}/memberships",
        json={"organisation": "kazakhstan", "role": "x", "sources": [QUOTE]},
        headers=writer,
    )
    assert wrong.json()["errors"] == [
        {"loc": ["body", "organisation"], "msg": "must be a organisation; 'kazakhstan' is a place"}
    ]


def test_statements_follow_the_property_vocabulary(
    client: TestClient, writer: dict[str, str]
) -> None:
    smk = "/v1/organisations/socialist-movement-of-kazakhstan"
    good = client.post(
        f"{smk}/statements",
        json={"property": "ideology", "value": {"entity": "trotskyism"}, "sources": [QUOTE]},
        headers=writer,
    )
    assert good.status_code in (201, 409), good.text  # 409 if the seed states it already
    unknown = client.post(
        f"{smk}/statements",
        json={
            "property": "favourite_colour",
            "value": {"text": "red", "lang": "en"},
            "sources": [QUOTE],
        },
        headers=writer,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "property"]
    two_values = client.post(
        f"{smk}/statements",
        json={
            "property": "ideology",
            "value": {"entity": "trotskyism", "text": "x"},
            "sources": [QUOTE],
        },
        headers=writer,
    )
    assert two_values.status_code == 422


def test_event_facts_participants_figures_and_places(
    client: TestClient, writer: dict[str, str]
) -> None:
    event = client.post(
        "/v1/events",
        json={"name": "Test strike", "start_date": "2011-05", "sources": [QUOTE]},
        headers=writer,
    ).json()["id"]
    path = f"/v1/events/{event}"
    for segment, fact in (
        ("participants", {"entity": "ainur-kurmanov", "role": "organiser"}),
        ("figures", {"measure": "strikers", "value": 800, "qualifier": "about"}),
        ("places", {"place": "kazakhstan"}),
    ):
        response = client.post(
            f"{path}/{segment}", json={**fact, "sources": [QUOTE]}, headers=writer
        )
        assert response.status_code == 201, (segment, response.text)
        assert client.get(response.headers["location"]).status_code == 200
    body = client.get(path).json()
    assert (len(body["participants"]), len(body["figures"]), len(body["places"])) == (1, 1, 1)
    person = client.get(PERSON).json()
    assert event in {e["event"]["id"] for e in person["events"]}


def test_a_disputed_claim_is_preferred_when_it_equals_the_plain_value(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = client.post(
        "/v1/people",
        json={"name": "Claimed Person", "birth_date": "1970", "sources": [QUOTE]},
        headers=writer,
    )
    path = created.headers["location"]
    for value in ("1970", "1971"):
        response = client.post(
            f"{path}/claims",
            json={"field": "birth_date", "value": value, "sources": [QUOTE]},
            headers=writer,
        )
        assert response.status_code == 201, response.text
    assert {c["value"] for c in client.get(path).json()["disputed"]["birth_date"]} == {
        "1970",
        "1971",
    }
    bad = client.post(
        f"{path}/claims",
        json={"field": "shoe_size", "value": "42", "sources": [QUOTE]},
        headers=writer,
    )
    assert bad.status_code == 422


def test_deleting_a_fact_needs_if_match_and_answers_the_new_etag(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = client.post(
        f"{PERSON}/aliases",
        json={"name": "Kurmanov A.", "lang": "en", "kind": "other", "sources": [QUOTE]},
        headers=writer,
    )
    location = created.headers["location"]
    assert client.delete(location, headers=writer).status_code == 428
    deleted = client.delete(location, headers={**writer, "If-Match": etag(client, PERSON)})
    assert deleted.status_code == 204
    assert deleted.headers["etag"] == etag(client, PERSON)
    assert client.get(location).status_code == 404


def test_a_new_source_can_be_cited_with_its_own_words(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = client.post(
        "/v1/citations",
        json={
            "title": "Strike report",
            "url": "https://example.org/r",
            "published_date": "2011-12",
        },
        headers=writer,
    )
    assert created.status_code == 201, created.text
    citation = created.json()["id"]
    assert citation.startswith("src-")
    alias = client.post(
        f"{PERSON}/aliases",
        json={
            "name": "Comrade Kurmanov",
            "lang": "en",
            "kind": "other",
            "sources": [{"citation": citation, "quote": "words of the report"}],
        },
        headers=writer,
    )
    assert alias.status_code == 201, alias.text
    cited_by = client.get(f"/v1/citations/{citation}").json()["cited_by"]
    assert len(cited_by) == 1
