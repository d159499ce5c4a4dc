"""kb generate: a reproducible synthetic knowledge base that the API serves like the real one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import create_db_engine
from app.core.migrations import upgrade
from app.generate.service import GenerateError, generate
from app.main import create_app
from app.models import Base, Change, Entity, SearchName, StoredBody
from app.provenance.service import load_bodies
from app.provenance.stored import render
from tests.conftest import DATA_DIR, DatabaseFactory

# Wall-clock times differ between two runs; everything else must not.
TIMESTAMPS = {"updated_at", "at", "seeded_at", "body"}


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        out = {
            name: sorted(
                (
                    tuple(r)
                    for r in conn.execute(
                        select(*(c for c in table.columns if c.name not in TIMESTAMPS))
                    )
                ),
                key=repr,
            )
            for name, table in Base.metadata.tables.items()
            if name != "dataset_revision"
        }
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def generated(databases: DatabaseFactory) -> str:
    url = databases.new_url()
    upgrade(url)
    engine = create_db_engine(url)
    report = generate(engine, DATA_DIR, entities=500, seed_number=7, batch_size=128)
    engine.dispose()
    assert report.rows["entity"] == 500
    return url


def test_the_same_seed_gives_the_same_database(generated: str, databases: DatabaseFactory) -> None:
    again = databases.new_url()
    upgrade(again)
    engine = create_db_engine(again)
    generate(engine, DATA_DIR, entities=500, seed_number=7, batch_size=50)
    engine.dispose()
    assert _snapshot(again) == _snapshot(generated)


def test_every_entity_is_indexed_logged_and_stored(generated: str) -> None:
    """Events were left out of the search index, the change log and the stored bodies
    (the generator did not list them among the entities it made)."""
    engine = create_db_engine(generated)
    with engine.connect() as conn:
        entities = set(conn.scalars(select(Entity.id)))
        named = set(conn.scalars(select(SearchName.entity_id).distinct()))
        logged = set(conn.scalars(select(Change.entity_id).distinct()))
        stored = {r[0]: r[1] for r in conn.execute(select(StoredBody.entity_id, StoredBody.body))}
        sample = sorted(entities)[::25]
        fresh = load_bodies(Session(bind=conn), sample)
    engine.dispose()
    assert named == logged == set(stored) == entities
    assert {i: stored[i].encode() for i in sample} == {i: render(b) for i, b in fresh.items()}


def test_every_type_has_names_in_both_scripts(generated: str) -> None:
    engine = create_db_engine(generated)
    with engine.connect() as conn:
        by_type = dict(conn.execute(select(Entity.type, func.count()).group_by(Entity.type)).all())
        langs = {row[0] for row in conn.execute(select(SearchName.lang).distinct())}
    engine.dispose()
    assert sum(by_type.values()) >= 500
    assert set(by_type) >= {"organisation", "person", "event", "place"}
    assert {"en", "ru-Cyrl", "kk-Cyrl"} <= langs


def test_the_api_serves_synthetic_entities_and_finds_them_by_cyrillic_names(generated: str) -> None:
    app = create_app(Settings(database_url=generated, data_dir=DATA_DIR, cache_enabled=False))
    engine = create_db_engine(generated)
    with engine.connect() as conn:
        person = conn.execute(
            select(SearchName.entity_id, SearchName.name).where(
                SearchName.entity_type == "person", SearchName.lang == "ru-Cyrl"
            )
        ).first()
    engine.dispose()
    assert person is not None
    with TestClient(app) as client:
        body = client.get(f"/v1/people/{person.entity_id}").json()
        assert body["sources"]
        hits = client.get("/v1/search", params={"q": person.name, "type": "person"}).json()["items"]
        assert person.entity_id in [h["id"] for h in hits if h["score"] == 1.0]
        # The real dataset is there too, unchanged.
        assert client.get("/v1/search", params={"q": "СДК"}).json()["items"][0]["id"] == (
            "socialist-movement-of-kazakhstan"
        )


def test_generating_twice_into_one_database_is_refused(generated: str) -> None:
    engine = create_db_engine(generated)
    with pytest.raises(GenerateError, match="already holds synthetic data"):
        generate(engine, DATA_DIR, entities=10)
    engine.dispose()
