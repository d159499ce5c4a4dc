"""NDJSON: one entity body per line, exactly as the API serves it, with the seq it reflects;
an export at seq N plus the changes since N is a fresh export."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from app.exports.reader import entity_bodies
from app.models import Entity
from tests.curation.conftest import QUOTE, etag
from tests.exports.conftest import export, ndjson


def test_the_header_line_and_the_kb_seq_header_give_the_seq_of_the_change_log(
    client: TestClient,
) -> None:
    seq, content = export(client, "ndjson")
    header, _ = ndjson(content)
    assert header["seq"] == seq
    assert seq == client.get("/v1/changes", params={"since": 0}).json()["seq"]
    assert seq > 0


def test_every_entity_is_one_line_holding_exactly_the_body_the_api_serves_in_id_order(
    client: TestClient, app: FastAPI
) -> None:
    _, content = export(client, "ndjson")
    _, bodies = ndjson(content)
    ids = [body["id"] for body in bodies]
    with app.state.session_factory() as session:
        stored = list(session.scalars(select(Entity.id).order_by(Entity.id)))
    assert ids == stored
    for body in bodies:
        assert body == client.get(f"/v1/entities/{body['id']}").json()


def test_the_response_is_an_ndjson_attachment_named_after_its_seq(client: TestClient) -> None:
    response = client.get("/v1/export", headers={"Origin": "https://example.org"})
    assert response.headers["content-type"] == "application/x-ndjson"  # the default
    assert "KB-Seq" in response.headers["access-control-expose-headers"]
    seq = response.headers["kb-seq"]
    assert response.headers["content-disposition"] == (
        f'attachment; filename="smk-kb-seq-{seq}.ndjson"'
    )


def test_an_unknown_format_is_a_422_problem(client: TestClient) -> None:
    response = client.get("/v1/export", params={"format": "xml"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "format"]


def test_an_unchanged_export_is_304_to_if_none_match(client: TestClient) -> None:
    first = client.get("/v1/export", params={"format": "ndjson"})
    again = client.get(
        "/v1/export", params={"format": "ndjson"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    other_format = client.get(
        "/v1/export", params={"format": "turtle"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert other_format.status_code == 200


def test_bodies_are_loaded_in_batches_with_the_same_number_of_selects_each(
    seeded_engine: Engine,
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with Session(seeded_engine) as session:
        total = session.scalar(select(func.count()).select_from(Entity)) or 0
        event.listen(seeded_engine, "before_cursor_execute", count)
        try:
            batches = []
            for batch in entity_bodies(session, batch_size=10):
                batches.append((len(batch), len(statements)))
                statements.clear()
        finally:
            event.remove(seeded_engine, "before_cursor_execute", count)
    assert sum(size for size, _ in batches) == total
    assert all(size == 10 for size, _ in batches[:-1])
    per_batch = {selects for _, selects in batches}
    assert len(per_batch) == 1, per_batch  # ids, then load_bodies' fixed set
    assert per_batch.pop() <= 14


def _apply_changes(client: TestClient, bodies: dict[str, Any], since: int) -> int:
    """Follow /v1/changes from ``since``; each change's version replaces the body, a delete
    drops it. Returns the last seq seen."""
    url: str | None = f"/v1/changes?since={since}&limit=2"
    last = since
    while url:
        page = client.get(url).json()
        for change in page["items"]:
            if change["op"] == "delete":
                bodies.pop(change["entity"], None)
            else:
                version = client.get(
                    f"/v1/entities/{change['entity']}", params={"version": change["version"]}
                )
                assert version.status_code == 200, version.text
                bodies[change["entity"]] = version.json()
            last = change["seq"]
        url = page["next"]
    return last


def test_an_export_at_seq_n_plus_the_changes_since_n_equals_a_fresh_export(
    client: TestClient, writer: dict[str, str]
) -> None:
    seq, content = export(client, "ndjson")
    _, loaded = ndjson(content)
    copy = {body["id"]: body for body in loaded}

    person = "/v1/people/ainur-kurmanov"
    added = client.post(
        f"{person}/aliases",
        json={"name": "Айнур Курманов", "lang": "ru-Cyrl", "kind": "other", "sources": [QUOTE]},
        headers=writer,
    )
    assert added.status_code == 201, added.text
    renamed = client.patch(
        "/v1/places/almaty",
        json={"description": "The largest city of Kazakhstan."},
        headers={**writer, "If-Match": etag(client, "/v1/places/almaty")},
    )
    assert renamed.status_code == 200, renamed.text
    created = client.post(
        "/v1/people", json={"name": "Anna Petrova", "sources": [QUOTE]}, headers=writer
    )
    assert created.status_code == 201, created.text
    member = client.post(
        "/v1/people/anna-petrova/memberships",
        json={
            "organisation": "socialist-movement-of-kazakhstan",
            "role": "treasurer",
            "sources": [QUOTE],
        },
        headers=writer,
    )
    assert member.status_code == 201, member.text
    temporary = client.post(
        "/v1/places", json={"name": "Temirtau", "sources": [QUOTE]}, headers=writer
    )
    deleted = client.delete(
        "/v1/places/temirtau", headers={**writer, "If-Match": temporary.headers["etag"]}
    )
    assert deleted.status_code == 204

    last = _apply_changes(client, copy, seq)
    fresh_seq, fresh_content = export(client, "ndjson")
    _, fresh = ndjson(fresh_content)
    assert fresh_seq == last > seq
    assert copy == {body["id"]: body for body in fresh}
    assert "temirtau" not in copy
    assert copy["anna-petrova"]["memberships"][0]["role"] == "treasurer"
