"""Keys, If-Match and Idempotency-Key: the safety of writes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.curation.keys import revoke_key
from tests.curation.conftest import QUOTE, etag, make_key

PERSON = "/v1/people/ainur-kurmanov"
ALIAS = {"name": "Kurmanov", "lang": "en", "kind": "other", "sources": [QUOTE]}


def test_writes_need_a_valid_key_of_the_right_scope(client: TestClient, app: FastAPI) -> None:
    nothing = client.post(f"{PERSON}/aliases", json=ALIAS)
    assert nothing.status_code == 401
    assert nothing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.post(
        f"{PERSON}/aliases", json=ALIAS, headers={"Authorization": "Bearer kb_nope"}
    )
    assert wrong.status_code == 401
    reader = make_key(app, "reader", "read")
    assert client.post(f"{PERSON}/aliases", json=ALIAS, headers=reader).status_code == 403
    writer = make_key(app, "someone", "write")
    session = app.state.session_factory()
    revoke_key(session, "someone")
    session.close()
    assert client.post(f"{PERSON}/aliases", json=ALIAS, headers=writer).status_code == 401
    assert client.get(PERSON).status_code == 200  # reads stay public


def test_a_stale_if_match_is_412_with_the_current_etag(
    client: TestClient, writer: dict[str, str]
) -> None:
    old = etag(client, PERSON)
    first = client.patch(PERSON, json={"description": "one"}, headers={**writer, "If-Match": old})
    assert first.status_code == 200
    second = client.patch(PERSON, json={"description": "two"}, headers={**writer, "If-Match": old})
    assert second.status_code == 412
    assert second.json()["current_etag"] == first.headers["etag"] == second.headers["etag"]
    assert client.get(PERSON).json()["description"] == "one"


def test_a_patch_without_if_match_is_428(client: TestClient, writer: dict[str, str]) -> None:
    response = client.patch(PERSON, json={"description": "x"}, headers=writer)
    assert response.status_code == 428
    assert etag(client, PERSON) in response.json()["detail"]


def test_a_retried_post_with_the_same_idempotency_key_writes_once(
    client: TestClient, writer: dict[str, str]
) -> None:
    headers = {**writer, "Idempotency-Key": "alias-1"}
    first = client.post(f"{PERSON}/aliases", json=ALIAS, headers=headers)
    again = client.post(f"{PERSON}/aliases", json=ALIAS, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    names = [a["name"] for a in client.get(PERSON).json()["aliases"]]
    assert names.count("Kurmanov") == 1
    other = client.post(f"{PERSON}/aliases", json={**ALIAS, "name": "Other"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")


def test_a_rejected_write_changes_nothing(client: TestClient, writer: dict[str, str]) -> None:
    before = client.get("/v1/changes", params={"since": 0, "limit": 1}).json()["total"]
    version = client.get(PERSON).json()["version"]
    client.post(
        f"{PERSON}/aliases",
        json={**ALIAS, "sources": [{"citation": "article", "quote": "nope nope"}]},
        headers=writer,
    )
    client.patch(
        PERSON,
        json={"birth_date": "not a date"},
        headers={**writer, "If-Match": etag(client, PERSON)},
    )
    assert client.get(PERSON).json()["version"] == version
    assert client.get("/v1/changes", params={"since": 0, "limit": 1}).json()["total"] == before


def test_revert_makes_a_new_version_equal_to_the_old_one(
    client: TestClient, writer: dict[str, str]
) -> None:
    original = client.get(PERSON).json()
    client.patch(
        PERSON,
        json={"description": "changed"},
        headers={**writer, "If-Match": etag(client, PERSON)},
    )
    alias = client.post(f"{PERSON}/aliases", json=ALIAS, headers=writer)
    assert alias.status_code == 201
    reverted = client.post(
        "/v1/entities/ainur-kurmanov/revert",
        json={"to": original["version"]},
        headers={**writer, "If-Match": etag(client, PERSON)},
    )
    assert reverted.status_code == 200, reverted.text
    body = reverted.json()
    assert body["version"] == original["version"] + 3
    strip = ("version", "updated_at")
    assert {k: v for k, v in body.items() if k not in strip} == {
        k: v for k, v in original.items() if k not in strip
    }


def test_a_deleted_entity_can_be_brought_back_by_revert(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = client.post(
        "/v1/people", json={"name": "Gone Person", "sources": [QUOTE]}, headers=writer
    )
    path = created.headers["location"]
    client.delete(path, headers={**writer, "If-Match": created.headers["etag"]})
    back = client.post("/v1/entities/gone-person/revert", json={"to": 1}, headers=writer)
    assert back.status_code == 200, back.text
    assert back.json()["version"] == 3
    assert client.get(path).json()["name"] == "Gone Person"


def test_revert_to_a_version_beyond_any_is_422_or_404(
    client: TestClient, writer: dict[str, str]
) -> None:
    headers = {**writer, "If-Match": etag(client, PERSON)}
    huge = client.post("/v1/entities/ainur-kurmanov/revert", json={"to": 2**80}, headers=headers)
    assert huge.status_code == 422
    missing = client.post("/v1/entities/ainur-kurmanov/revert", json={"to": 999}, headers=headers)
    assert missing.status_code == 404
