"""Stored bodies: every entity's body is kept as the bytes the API serves, and the
plain entity detail is answered from them before routing (app/entities/stored_path.py).

What a reader must be able to rely on: the stored bytes are exactly what assembling the
body afresh and serialising it the way the route does gives, they validate against the
OpenAPI schema, a write stores the new body of every entity it shows in, and the fast
path answers with the route's status, headers and bytes or leaves the request to it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.core.db import create_db_engine
from app.entities import stored_path
from app.models import Entity, StoredBody, StoredBodyState
from app.provenance.service import load_bodies
from app.provenance.stored import render
from app.seed.startup import start_up
from tests.conftest import DATA_DIR, rolled_back
from tests.curation.conftest import QUOTE, etag, make_key

COLLECTION = {
    "organisation": "organisations",
    "person": "people",
    "event": "events",
    "place": "places",
    "concept": "entities",
}


def fastapi_bytes(body: Any) -> bytes:
    """What FastAPI's response model and JSONResponse make of a body."""
    dumped = type(body).model_validate(body.model_dump()).model_dump(mode="json")
    return json.dumps(dumped, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def all_ids(app: FastAPI) -> list[str]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(Entity.id).order_by(Entity.id)))


def stored(app: FastAPI, ids: list[str]) -> dict[str, bytes]:
    """The stored bodies themselves, read from the table (not through the API, which
    would assemble a body that is not stored)."""
    with app.state.session_factory() as session:
        rows = session.execute(
            select(StoredBody.entity_id, StoredBody.body).where(StoredBody.entity_id.in_(ids))
        )
        return {row[0]: row[1].encode() for row in rows}


def test_every_stored_body_is_the_body_assembled_afresh(app: FastAPI, client: TestClient) -> None:
    ids = all_ids(app)
    with app.state.session_factory() as session:
        fresh = load_bodies(session, ids)
    assert len(fresh) == len(ids) > 80
    kept = stored(app, ids)
    assert kept.keys() == fresh.keys()  # the seed stored every body
    for entity_id, body in fresh.items():
        assert kept[entity_id] == render(body), entity_id
        served = client.get(f"/v1/entities/{entity_id}")
        assert served.status_code == 200
        assert served.content == fastapi_bytes(body) == render(body), entity_id
        assert served.headers["etag"] == f'"{entity_id}.v{body.version}"'


def test_served_bodies_validate_against_the_openapi_schema(
    app: FastAPI, client: TestClient
) -> None:
    spec = client.get("/openapi.json").json()
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    checked = 0
    for entity_id in all_ids(app):
        kind = client.get(f"/v1/entities/{entity_id}").json()["type"]
        collection = COLLECTION[kind]
        if collection == "entities":
            continue
        template = next(p for p in spec["paths"] if p.startswith(f"/v1/{collection}/{{"))
        schema = spec["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]
        validator = Draft202012Validator(
            {"$ref": "urn:openapi#/components/schemas/" + schema["schema"]["$ref"].split("/")[-1]},
            registry=registry,
        )
        validator.validate(client.get(f"/v1/{collection}/{entity_id}").json())
        checked += 1
    assert checked > 80


@pytest.mark.parametrize(
    "path",
    [
        "/v1/organisations/socialist-movement-of-kazakhstan",
        "/v1/people/ainur-kurmanov",
        "/v1/places/almaty",
        "/v1/entities/ainur-kurmanov",
    ],
)
def test_the_fast_path_answers_as_the_route_does(
    client: TestClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real_lookup = stored_path._lookup

    async def spied(scope: Any, entity_id: str) -> Any:
        reads.append(entity_id)
        return await real_lookup(scope, entity_id)

    monkeypatch.setattr(stored_path, "_lookup", spied)
    fast = client.get(path)
    assert reads == [path.rsplit("/", 1)[1]]  # answered by the layer, not the route
    # An undeclared parameter is ignored by the route and sends the request past the
    # fast path, to FastAPI.
    routed = client.get(path, params={"unused": "1"})
    assert len(reads) == 1
    assert (fast.status_code, fast.content) == (routed.status_code, routed.content)
    assert fast.headers.items() == routed.headers.items()


def test_what_the_fast_path_does_not_take_goes_to_the_route(client: TestClient) -> None:
    wrong_type = client.get("/v1/organisations/ainur-kurmanov")
    assert wrong_type.status_code == 404
    assert "'ainur-kurmanov' is a person" in wrong_type.json()["detail"]
    assert client.get("/v1/people/nobody-at-all").status_code == 404
    assert client.get("/v1/people/Ainur-Kurmanov").status_code == 404
    as_of = client.get("/v1/people/ainur-kurmanov", params={"as_of": "2008"})
    assert as_of.status_code == 200
    assert as_of.json()["as_of"] is not None
    assert as_of.headers["etag"].endswith('.as-of-2008"')


def test_an_entity_whose_body_is_not_stored_is_assembled(app: FastAPI, client: TestClient) -> None:
    expected = client.get("/v1/people/ainur-kurmanov").content
    with rolled_back(app) as connection:
        connection.execute(delete(StoredBody).where(StoredBody.entity_id == "ainur-kurmanov"))
        assert client.get("/v1/people/ainur-kurmanov").content == expected
        listed = client.get("/v1/people", params={"limit": 200}).json()["items"]
        assert json.loads(expected) in listed


def test_a_write_stores_the_new_body_of_every_entity_it_shows_in(
    app: FastAPI, client: TestClient
) -> None:
    with rolled_back(app):
        writer = make_key(app, "curator", "write")
        # Renaming a place changes the body of every event that took place there.
        events = [
            e["id"]
            for e in client.get("/v1/events", params={"place": "almaty", "limit": 200}).json()[
                "items"
            ]
        ]
        assert events
        patched = client.patch(
            "/v1/places/almaty",
            json={"name": "Alma-Ata", "sources": [QUOTE]},
            headers={**writer, "If-Match": etag(client, "/v1/places/almaty")},
        )
        assert patched.status_code == 200, patched.text
        with app.state.session_factory() as session:
            fresh = load_bodies(session, ["almaty", *events])
        kept = stored(app, list(fresh))
        for entity_id, body in fresh.items():
            assert kept[entity_id] == render(body), entity_id
            assert client.get(f"/v1/entities/{entity_id}").content == render(body), entity_id
        assert fresh["almaty"].name == "Alma-Ata"
        # Deleting an event (with the facts that refer to it) drops its stored body and
        # stores the new body of everything that showed it.
        admin = make_key(app, "admin", "admin")
        deleted = client.delete(
            f"/v1/events/{events[0]}",
            params={"cascade": "true"},
            headers={**admin, "If-Match": etag(client, f"/v1/events/{events[0]}")},
        )
        assert deleted.status_code == 204, deleted.text
        with app.state.session_factory() as session:
            assert session.get(StoredBody, events[0]) is None
            fresh = load_bodies(session, all_ids(app))
        assert stored(app, list(fresh)) == {i: render(b) for i, b in fresh.items()}


def test_changing_an_events_date_stores_the_bodies_that_list_it(
    app: FastAPI, client: TestClient
) -> None:
    """Found in review: people, organisations and places list their events with the
    start date, in date order; only a rename re-stored them."""
    with rolled_back(app):
        writer = make_key(app, "curator", "write")
        event = "2022-kazakh-unrest"
        before = client.get(f"/v1/events/{event}").json()
        patched = client.patch(
            f"/v1/events/{event}",
            json={"start_date": "2021-12"},
            headers={**writer, "If-Match": etag(client, f"/v1/events/{event}")},
        )
        assert patched.status_code == 200, patched.text
        shown_in = [p["entity"]["id"] for p in before["participants"]]
        assert shown_in
        with app.state.session_factory() as session:
            fresh = load_bodies(session, shown_in)
        assert stored(app, shown_in) == {i: render(b) for i, b in fresh.items()}
        dates = {
            e["start_date"]
            for i in shown_in
            for e in client.get(f"/v1/entities/{i}").json().get("events", [])
            if e["event"]["id"] == event
        }
        assert dates == {"2021-12"}


def test_a_stale_or_foreign_stored_body_is_never_served(app: FastAPI, client: TestClient) -> None:
    """A row left behind by a process that changed the entity without storing it (code
    from before stored bodies, in a rolling upgrade), or stored in another format, is
    passed over: the body is assembled."""
    expected = client.get("/v1/people/ainur-kurmanov", params={"unused": "1"}).content
    with rolled_back(app) as connection:
        connection.execute(
            update(StoredBody)
            .where(StoredBody.entity_id == "ainur-kurmanov")
            .values(body='{"stale": true}', version=StoredBody.version - 1)
        )
        assert client.get("/v1/people/ainur-kurmanov").content == expected
    with rolled_back(app) as connection:
        connection.execute(
            update(StoredBody)
            .where(StoredBody.entity_id == "ainur-kurmanov")
            .values(body='{"stale": true}')
        )
        connection.execute(update(StoredBodyState).values(format="0-old"))
        assert client.get("/v1/people/ainur-kurmanov").content == expected
        assert client.get("/v1/people", params={"limit": 200}).status_code == 200


def test_start_up_rebuilds_missing_or_outdated_bodies(
    seeded_url: str, databases: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = databases.new_seeded_url()
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(StoredBody))
        report = start_up(url, DATA_DIR)
        assert report.restored is not None
        assert report.restored[0] == "no body is stored"
        with Session(engine) as session:
            count = session.scalar(select(func.count()).select_from(StoredBody))
            entities = session.scalar(select(func.count()).select_from(Entity))
        assert count == entities
        assert start_up(url, DATA_DIR).restored is None  # current: only read

        monkeypatch.setattr("app.provenance.stored.BODY_FORMAT", 999)
        from app.provenance.stored import body_format

        body_format.cache_clear()
        try:
            again = start_up(url, DATA_DIR)
            assert again.restored is not None
            assert "not 999-" in again.restored[0]
            assert start_up(url, DATA_DIR).restored is None
        finally:
            body_format.cache_clear()
    finally:
        engine.dispose()
