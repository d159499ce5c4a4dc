"""Stable fact ids, versions, the change log and ownership across reseeds."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from app.core.config import Settings
from app.core.db import create_db_engine
from app.main import create_app
from app.models import Source, Statement
from app.seed.dataset import DataError
from app.seed.loader import seed
from tests.conftest import DATA_DIR

STATEMENTS = "curated/statements.body.yaml"
KEY = "kurmanov-residence-in-exile"
KURMANOV = "ainur-kurmanov"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = create_db_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(migrated_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=migrated_url, data_dir=DATA_DIR, cache_enabled=False))
    with TestClient(app) as test_client:
        yield test_client


def _edit_statement(data: Path, key: str, **values: object) -> None:
    path = data / STATEMENTS
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    (record,) = [r for r in records if r["key"] == key]
    record.update(values)
    path.write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _statement_and_sources(engine: Engine, key: str) -> tuple[str, set[str]]:
    with engine.connect() as conn:
        statement_id = conn.execute(
            select(Statement.id).where(Statement.natural_key == f"key|{key}")
        ).scalar_one()
        sources = set(
            conn.execute(select(Source.id).where(Source.statement_id == statement_id)).scalars()
        )
    return statement_id, sources


def test_a_one_value_change_is_one_new_version_of_one_entity_and_the_fact_keeps_its_id(
    engine: Engine, data_copy: Path, client: TestClient
) -> None:
    seed(engine, data_copy)
    fact_id, sources = _statement_and_sources(engine, KEY)
    first = client.get(f"/v1/entities/{KURMANOV}").json()
    since = client.get("/v1/changes").json()["seq"]

    _edit_statement(data_copy, KEY, qualifier="reportedly")
    report = seed(engine, data_copy)

    assert report.changes == 1
    assert _statement_and_sources(engine, KEY) == (fact_id, sources)
    changes = client.get("/v1/changes", params={"since": since}).json()
    assert [(c["entity"], c["op"], c["version"]) for c in changes["items"]] == [
        (KURMANOV, "update", first["version"] + 1)
    ]
    assert changes["items"][0]["seq"] == since + 1
    now = client.get(f"/v1/entities/{KURMANOV}")
    assert now.json()["version"] == first["version"] + 1
    assert now.headers["etag"] == f'"{KURMANOV}.v{first["version"] + 1}"'
    (statement,) = [s for s in now.json()["statements"] if s["id"] == fact_id]
    assert statement["qualifier"] == "reportedly"
    history = client.get(f"/v1/entities/{KURMANOV}/history").json()["items"]
    assert [v["version"] for v in history] == [first["version"] + 1, first["version"]]
    assert history[0]["actor"] == "seed"
    assert history[0]["patch"] == [
        {
            "op": "replace",
            "path": f"/statements/{now.json()['statements'].index(statement)}/qualifier",
            "value": "reportedly",
        }
    ]
    old = client.get(f"/v1/entities/{KURMANOV}", params={"version": first["version"]}).json()
    assert old == first


def test_rows_of_another_origin_survive_a_reseed(engine: Engine, data_copy: Path) -> None:
    seed(engine, data_copy)
    with engine.begin() as conn:
        # As curation through the API will write them: no document owns these rows.
        conn.execute(
            text(
                "INSERT INTO entity (id, type, name, version, updated_at) "
                "VALUES ('a-curated-place', 'place', 'A curated place', 1, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(text("INSERT INTO place (id) VALUES ('a-curated-place')"))
        conn.execute(
            text(
                "INSERT INTO alias (id, entity_id, name, name_key, lang, kind) "
                f"VALUES ('al_curated', '{KURMANOV}', 'A. Kurmanov', 'a. kurmanov', 'en', 'other')"
            )
        )
        for source_id, column, target in (
            ("sr_curated_1", "entity_id", "a-curated-place"),
            ("sr_curated_2", "alias_id", "al_curated"),
        ):
            conn.execute(
                text(
                    f"INSERT INTO source (id, citation_id, quote, {column}) "
                    f"VALUES ('{source_id}', 'article', 'Almaty', '{target}')"
                )
            )
    _edit_statement(data_copy, KEY, qualifier="reportedly")
    seed(engine, data_copy)
    with engine.connect() as conn:
        kept = {
            table: conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE id LIKE '%curated%'")
            ).scalar_one()
            for table in ("entity", "alias", "source")
        }
    assert kept == {"entity": 1, "alias": 1, "source": 2}


def test_the_seed_refuses_to_take_over_an_entity_of_another_origin(
    engine: Engine, data_copy: Path
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO entity (id, type, name, version, updated_at) "
                "VALUES ('almaty', 'place', 'Almaty', 1, CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(DataError, match="entity almaty: already exists with another origin"):
        seed(engine, data_copy)
