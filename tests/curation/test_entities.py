"""Creating, changing and deleting entities through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.curation.conftest import QUOTE, etag


def test_a_new_person_gets_the_slug_of_its_name_a_location_and_a_first_version(
    client: TestClient, writer: dict[str, str]
) -> None:
    response = client.post(
        "/v1/people",
        json={"name": "Anna Petrova", "birth_date": "1970-05", "sources": [QUOTE]},
        headers=writer,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == "anna-petrova"
    assert body["version"] == 1
    assert response.headers["location"] == "/v1/people/anna-petrova"
    assert response.headers["etag"] == '"anna-petrova.v1"'
    assert client.get("/v1/people/anna-petrova").json()["birth_date"] == "1970-05"
    history = client.get("/v1/entities/anna-petrova/history").json()["items"]
    assert [(v["version"], v["op"], v["actor"]) for v in history] == [(1, "create", "curator")]


def test_a_new_entity_is_found_by_search_at_once(
    client: TestClient, writer: dict[str, str]
) -> None:
    client.post(
        "/v1/organisations",
        json={
            "name": "Workers Solidarity Fund",
            "sources": [QUOTE],
            "aliases": [
                {
                    "name": "Фонд солидарности",
                    "lang": "ru-Cyrl",
                    "kind": "other",
                    "sources": [QUOTE],
                }
            ],
        },
        headers=writer,
    )
    found = client.get("/v1/search", params={"q": "Фонд солидарности"}).json()["items"]
    assert found[0]["id"] == "workers-solidarity-fund"


def test_ids_are_unique_and_a_deleted_entitys_id_is_never_given_again(
    client: TestClient, writer: dict[str, str]
) -> None:
    first = client.post("/v1/places", json={"name": "Temirtau", "sources": [QUOTE]}, headers=writer)
    second = client.post(
        "/v1/places", json={"name": "Temirtau", "sources": [QUOTE]}, headers=writer
    )
    assert (first.json()["id"], second.json()["id"]) == ("temirtau", "temirtau-2")
    deleted = client.delete(
        "/v1/places/temirtau-2", headers={**writer, "If-Match": second.headers["etag"]}
    )
    assert deleted.status_code == 204
    third = client.post("/v1/places", json={"name": "Temirtau", "sources": [QUOTE]}, headers=writer)
    assert third.json()["id"] == "temirtau-3"


def test_every_entity_needs_a_source_and_a_quote_from_the_article(
    client: TestClient, writer: dict[str, str]
) -> None:
    none = client.post("/v1/people", json={"name": "Nobody", "sources": []}, headers=writer)
    assert none.status_code == 422
    assert none.headers["content-type"] == "application/problem+json"
    made_up = client.post(
        "/v1/people",
        json={"name": "Nobody", "sources": [{"citation": "ref-3", "quote": "words nobody wrote"}]},
        headers=writer,
    )
    assert made_up.status_code == 422
    assert made_up.json()["errors"] == [
        {
            "loc": ["body", "sources", "0"],
            "msg": "quote is not in the article: 'words nobody wrote'",
        }
    ]
    unknown = client.post(
        "/v1/people",
        json={"name": "Nobody", "sources": [{"citation": "ref-99", "quote": "Ainur Kurmanov"}]},
        headers=writer,
    )
    assert unknown.status_code == 422
    assert "unknown citation 'ref-99'" in unknown.text
    assert client.get("/v1/people/nobody").status_code == 404


def test_unknown_fields_references_and_reversed_dates_are_422_per_field(
    client: TestClient, writer: dict[str, str]
) -> None:
    misspelt = client.post(
        "/v1/people", json={"name": "X", "birthdate": "1970", "sources": [QUOTE]}, headers=writer
    )
    assert misspelt.status_code == 422
    assert misspelt.json()["errors"][0]["loc"] == ["body", "birthdate"]
    nowhere = client.post(
        "/v1/organisations",
        json={"name": "X", "headquarters": "atlantis", "sources": [QUOTE]},
        headers=writer,
    )
    assert nowhere.json()["errors"] == [
        {"loc": ["body", "headquarters"], "msg": "no entity with id 'atlantis'"}
    ]
    reversed_dates = client.post(
        "/v1/people",
        json={"name": "X", "birth_date": "1990", "death_date": "1980", "sources": [QUOTE]},
        headers=writer,
    )
    assert reversed_dates.status_code == 422
    assert "after end_date" in reversed_dates.text or "after" in reversed_dates.text


def test_a_merge_patch_changes_only_what_it_names_and_null_removes(
    client: TestClient, writer: dict[str, str]
) -> None:
    path = "/v1/organisations/socialist-movement-of-kazakhstan"
    before = client.get(path).json()
    response = client.patch(
        path,
        json={"website": "https://example.org", "colours": None},
        headers={**writer, "If-Match": etag(client, path)},
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["website"] == "https://example.org"
    assert after["colours"] is None
    assert after["version"] == before["version"] + 1
    assert after["name"] == before["name"]
    assert after["aliases"] == before["aliases"]
    assert response.headers["etag"] == f'"socialist-movement-of-kazakhstan.v{after["version"]}"'
    change = client.get("/v1/entities/socialist-movement-of-kazakhstan/history").json()["items"][0]
    assert change["actor"] == "curator"
    assert {"op": "replace", "path": "/website", "value": "https://example.org"} in change["patch"]


def test_a_patch_cannot_remove_the_name_or_every_source(
    client: TestClient, writer: dict[str, str]
) -> None:
    path = "/v1/people/ainur-kurmanov"
    for patch in ({"name": None}, {"sources": []}, {"sources": None}):
        response = client.patch(
            path, json=patch, headers={**writer, "If-Match": etag(client, path)}
        )
        assert response.status_code == 422, patch


def test_renaming_an_entity_renames_it_in_the_bodies_that_refer_to_it(
    client: TestClient, writer: dict[str, str]
) -> None:
    path = "/v1/people/ainur-kurmanov"
    organisation = "/v1/organisations/socialist-movement-of-kazakhstan"
    version = client.get(organisation).json()["version"]
    client.patch(
        path, json={"name": "A. Kurmanov"}, headers={**writer, "If-Match": etag(client, path)}
    )
    body = client.get(organisation).json()
    names = {
        m["person"]["name"] for m in body["memberships"] if m["person"]["id"] == "ainur-kurmanov"
    }
    assert names == {"A. Kurmanov"}
    assert body["version"] == version + 1  # its body changed: a new version of it too


def test_deleting_an_entity_others_refer_to_is_409_naming_them_unless_cascaded(
    client: TestClient, writer: dict[str, str], admin: dict[str, str]
) -> None:
    path = "/v1/people/ainur-kurmanov"
    refused = client.delete(path, headers={**writer, "If-Match": etag(client, path)})
    assert refused.status_code == 409
    assert "socialist-movement-of-kazakhstan" in {r["id"] for r in refused.json()["referrers"]}
    not_admin = client.delete(
        path, params={"cascade": "true"}, headers={**writer, "If-Match": etag(client, path)}
    )
    assert not_admin.status_code == 403
    done = client.delete(
        path, params={"cascade": "true"}, headers={**admin, "If-Match": etag(client, path)}
    )
    assert done.status_code == 204
    assert client.get(path).status_code == 404
    smk = client.get("/v1/organisations/socialist-movement-of-kazakhstan").json()
    assert "ainur-kurmanov" not in {m["person"]["id"] for m in smk["memberships"]}
    history = client.get("/v1/entities/ainur-kurmanov/history").json()["items"]
    assert history[0]["op"] == "delete"
    assert (
        client.get(f"/v1/entities/ainur-kurmanov?version={history[1]['version']}").status_code
        == 200
    )


def test_a_type_mismatch_in_the_path_is_404(client: TestClient, writer: dict[str, str]) -> None:
    path = "/v1/organisations/ainur-kurmanov"
    response = client.patch(
        path, json={"website": "x"}, headers={**writer, "If-Match": '"ainur-kurmanov.v1"'}
    )
    assert response.status_code == 404
    assert "is a person" in response.json()["detail"]
