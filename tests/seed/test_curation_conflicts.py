"""``kb seed`` and edits made through the curation API: a curated or deleted row of the
article is never silently overwritten or brought back; each conflict is reported and
the curated state kept, unless ``--force``.

The API's writes are simulated in SQL, as the contract in app.seed.loader describes
them: an edit keeps the row's document and natural key and sets ``curated_by``; replaced
sources are rows of no document; a delete leaves a tombstone. Every test gets its own
copy of one seeded database, since ``kb seed`` commits.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from app.cli import cli
from app.core.config import get_settings
from app.core.db import create_db_engine
from app.models import (
    Alias,
    Base,
    Change,
    Document,
    Entity,
    Organisation,
    Person,
    Source,
    Statement,
    Tombstone,
)
from app.seed.loader import ARTICLE_DOCUMENT, Conflict, Dependent, seed
from app.seed.rows import TABLE_ORDER
from tests.conftest import DATA_DIR, TEST_DATABASE_URL, DatabaseFactory

DOC = ARTICLE_DOCUMENT
KURMANOV = "ainur-kurmanov"
EXILE = "key|kurmanov-residence-in-exile"
MAMAI = "janbolat-mamai"
MAMAI_ALIAS = "janbolat-mamai|en|other|Mamai"
TAKHIR = "takhir-mukhamedzyanov"
TOKAYEV_ALIAS = "kassym-jomart-tokayev|en|other|Tokayev"
UKTESHBAYEV = "esenbek-ukteshbayev"
SMK = "socialist-movement-of-kazakhstan"
DELETED_AT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
API_QUOTE = "Janbolat Mamai is a Kazakh journalist and political activist"
KEPT = "kept the curated values (kb seed --force to take the seed's)"

RunKb = Callable[..., Result]


@pytest.fixture(scope="module")
def seeded_template(databases: DatabaseFactory) -> str:
    return databases.new_seeded_url()


@pytest.fixture
def seeded_copy(databases: DatabaseFactory, seeded_template: str) -> str:
    """A new database, a copy of the seeded template (faster than migrating and seeding)."""
    name = f"kbtest_{uuid.uuid4().hex[:12]}"
    template = make_url(seeded_template).database
    assert template is not None
    if not databases.is_postgresql:
        target = databases.tmp_dir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            if Path(template + suffix).exists():
                shutil.copyfile(template + suffix, f"{target}{suffix}")
        return f"sqlite:///{target}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    databases.created.append(name)
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def engine(seeded_copy: str) -> Iterator[Engine]:
    engine = create_db_engine(seeded_copy)
    yield engine
    engine.dispose()


@pytest.fixture
def run_kb(monkeypatch: pytest.MonkeyPatch) -> RunKb:
    def run(url: str, *args: str) -> Result:
        monkeypatch.setenv("KB_DATABASE_URL", url)
        monkeypatch.setenv("KB_DATA_DIR", str(DATA_DIR))
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, list(args))
        finally:
            get_settings.cache_clear()

    return run


# --- The API's writes, as SQL -------------------------------------------------------------


def _edit_exile_statement(engine: Engine, actor: str = "alice") -> str:
    """Edit a statement's value, as PATCH on the fact does."""
    with engine.begin() as conn:
        conn.execute(
            update(Statement)
            .where(Statement.natural_key == EXILE)
            .values(value_text="in exile in Russia", curated_by=actor)
        )
        return conn.execute(select(Statement.id).where(Statement.natural_key == EXILE)).scalar_one()


def _replace_mamai_alias_sources(engine: Engine, actor: str = "bob") -> str:
    """Replace an alias's sources, as PATCH with ``sources`` does."""
    with engine.begin() as conn:
        alias_id = conn.execute(
            select(Alias.id).where(Alias.natural_key == MAMAI_ALIAS)
        ).scalar_one()
        conn.execute(delete(Source).where(Source.alias_id == alias_id))
        conn.execute(
            insert(Source).values(
                id="sr_api_mamai",
                natural_key=None,
                document_id=None,
                curated_by=actor,
                citation_id="article",
                quote=API_QUOTE,
                alias_id=alias_id,
            )
        )
        conn.execute(update(Alias).where(Alias.id == alias_id).values(curated_by=actor))
    return str(alias_id)


def _delete_entity(engine: Engine, entity_id: str, actor: str = "carol") -> None:
    """Delete an entity (the database cascades to its facts and sources) and leave the
    tombstone, as DELETE on the entity does."""
    with engine.begin() as conn:
        conn.execute(delete(Entity).where(Entity.id == entity_id))
        conn.execute(
            insert(Tombstone).values(
                table_name="entity",
                document_id=DOC,
                natural_key=entity_id,
                actor=actor,
                at=DELETED_AT,
            )
        )


def _delete_alias(engine: Engine, natural_key: str, actor: str = "carol") -> str:
    """Delete a fact with its sources and leave the tombstone, as DELETE on a fact does."""
    with engine.begin() as conn:
        alias_id = conn.execute(
            select(Alias.id).where(Alias.natural_key == natural_key)
        ).scalar_one()
        conn.execute(delete(Source).where(Source.alias_id == alias_id))
        conn.execute(delete(Alias).where(Alias.id == alias_id))
        conn.execute(
            insert(Tombstone).values(
                table_name="alias",
                document_id=DOC,
                natural_key=natural_key,
                actor=actor,
                at=DELETED_AT,
            )
        )
    return str(alias_id)


# --- Reading the database -----------------------------------------------------------------


def _owned(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every row the article owns, without what the change log maintains."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in TABLE_ORDER:
            table = Base.metadata.tables[name]
            query = select(*(c for c in table.c if c.name not in ("version", "updated_at")))
            if "document_id" in table.c:
                query = query.where(table.c.document_id == DOC)
            else:
                owner = select(Entity.id).where(Entity.document_id == DOC)
                query = query.where(table.c.id.in_(owner))
            found[name] = {tuple(row) for row in conn.execute(query)}
    return found


def _scalar(engine: Engine, query: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _count(engine: Engine, model: Any, *where: Any) -> int:
    return int(_scalar(engine, select(func.count()).select_from(model).where(*where)))


def _changes(engine: Engine) -> int:
    return _count(engine, Change)


def _unchanged(report: Any) -> bool:
    return not any(c.changed for c in report.tables.values()) and report.changes == 0


# --- Kept and reported ----------------------------------------------------------------------


def test_an_edited_fact_keeps_its_curated_value_and_is_reported_until_forced(
    engine: Engine,
) -> None:
    fact_id = _edit_exile_statement(engine)
    changes = _changes(engine)

    report = seed(engine, DATA_DIR)

    assert report.conflicts == [
        Conflict(
            kind="edited",
            table="statement",
            fact_id=fact_id,
            natural_key=EXILE,
            entity_id=KURMANOV,
            curated_by="alice",
            curated={"value_text": "in exile in Russia"},
            seed={"value_text": "in exile"},
        )
    ]
    assert _unchanged(report)
    assert _changes(engine) == changes
    assert _scalar(engine, select(Statement.value_text).where(Statement.id == fact_id)) == (
        "in exile in Russia"
    )
    assert _scalar(engine, select(Statement.curated_by).where(Statement.id == fact_id)) == "alice"
    text = report.render()
    assert (
        f"  statement {fact_id} ({EXILE}) of entity {KURMANOV}: edited through the API by"
        " alice: kept the curated values\n"
        '    value_text: curated "in exile in Russia", seed "in exile"'
    ) in text
    assert text.endswith(f"1 conflict with curated edits: {KEPT}")

    again = seed(engine, DATA_DIR)
    assert again.conflicts == report.conflicts
    assert _unchanged(again)
    assert again.revision == report.revision

    forced = seed(engine, DATA_DIR, force=True)
    assert [(c.kind, c.fact_id, c.overwritten) for c in forced.conflicts] == [
        ("edited", fact_id, True)
    ]
    assert forced.tables["statement"].updated == 1
    assert forced.changes == 1  # Kurmanov's body, logged as the seed's
    assert forced.render().endswith(
        "1 conflict with curated edits: took the seed's values (--force)"
    )
    with engine.connect() as conn:
        row = conn.execute(
            select(Statement.value_text, Statement.curated_by).where(Statement.id == fact_id)
        ).one()
        assert tuple(row) == ("in exile", None)
        last = conn.execute(
            select(Change.entity_id, Change.actor).order_by(Change.seq.desc()).limit(1)
        ).one()
        assert tuple(last) == (KURMANOV, "seed")
    assert seed(engine, DATA_DIR).conflicts == []


def test_replaced_sources_are_kept_and_reported_and_force_puts_the_seeds_back(
    engine: Engine,
) -> None:
    fresh = _owned(engine)
    alias_id = _replace_mamai_alias_sources(engine)

    report = seed(engine, DATA_DIR)

    (conflict,) = report.conflicts
    assert (conflict.kind, conflict.table, conflict.fact_id, conflict.natural_key) == (
        "sources",
        "alias",
        alias_id,
        MAMAI_ALIAS,
    )
    assert (conflict.entity_id, conflict.curated_by) == (MAMAI, "bob")
    assert conflict.curated == {"sources": [{"citation": "article", "quote": API_QUOTE}]}
    assert conflict.seed is not None
    (seed_source,) = conflict.seed["sources"]
    assert seed_source["citation"] == "article"
    assert seed_source["quote"].startswith("Since his first arrest in 2012")
    assert _unchanged(report)
    with engine.connect() as conn:
        sources = conn.execute(select(Source.id).where(Source.alias_id == alias_id)).scalars()
        assert list(sources) == ["sr_api_mamai"]
    assert 'sources: curated [article "Janbolat Mamai is a Kazakh' in report.render()
    assert seed(engine, DATA_DIR).conflicts == report.conflicts

    forced = seed(engine, DATA_DIR, force=True)
    assert forced.conflicts[0].overwritten
    assert (forced.tables["source"].inserted, forced.tables["source"].deleted) == (1, 1)
    assert _owned(engine) == fresh  # mark cleared, the seed's source back
    assert _count(engine, Source, Source.document_id.is_(None)) == 0


def test_an_edited_entity_covers_its_subtype_row_and_its_sources(engine: Engine) -> None:
    fresh = _owned(engine)
    with engine.begin() as conn:
        conn.execute(
            update(Entity)
            .where(Entity.id == UKTESHBAYEV)
            .values(name="E. Ukteshbayev", curated_by="erin")
        )
        conn.execute(
            update(Base.metadata.tables["person"])
            .where(Person.id == UKTESHBAYEV)
            .values(birth_date="1960")
        )
        conn.execute(delete(Source).where(Source.entity_id == UKTESHBAYEV))
        conn.execute(
            insert(Source).values(
                id="sr_api_esenbek",
                document_id=None,
                curated_by="erin",
                citation_id="article",
                quote="Esenbek Ukteshbayev",
                entity_id=UKTESHBAYEV,
            )
        )

    report = seed(engine, DATA_DIR)

    assert [(c.kind, c.table, c.curated, c.seed) for c in report.conflicts] == [
        ("edited", "entity", {"name": "E. Ukteshbayev"}, {"name": "Esenbek Ukteshbayev"}),
        ("edited", "person", {"birth_date": "1960"}, {"birth_date": None}),
        (
            "sources",
            "entity",
            {"sources": [{"citation": "article", "quote": "Esenbek Ukteshbayev"}]},
            report.conflicts[2].seed,
        ),
    ]
    assert {(c.entity_id, c.fact_id, c.curated_by) for c in report.conflicts} == {
        (UKTESHBAYEV, UKTESHBAYEV, "erin")
    }
    assert _unchanged(report)
    assert _scalar(engine, select(Person.birth_date).where(Person.id == UKTESHBAYEV)) == "1960"
    assert '    birth_date: curated "1960", seed (empty)' in report.render()

    seed(engine, DATA_DIR, force=True)
    assert _owned(engine) == fresh


def test_a_deleted_entity_is_not_brought_back_nor_anything_that_depends_on_it(
    engine: Engine,
) -> None:
    _delete_entity(engine, TAKHIR)
    deleted = _owned(engine)
    changes = _changes(engine)

    report = seed(engine, DATA_DIR)

    (conflict,) = report.conflicts
    assert (conflict.kind, conflict.table, conflict.fact_id, conflict.entity_id) == (
        "deleted",
        "entity",
        TAKHIR,
        TAKHIR,
    )
    assert (conflict.curated_by, conflict.curated) == ("carol", None)
    assert conflict.seed is not None
    assert conflict.seed["name"] == "Takhir Narimanovich Mukhamedzyanov"
    dropped = {d.table for d in conflict.dependents}
    assert {"person", "alias", "membership", "participation", "source"} <= dropped
    assert all(d.effect == "not inserted" for d in conflict.dependents)
    assert Dependent("person", TAKHIR, "not inserted") in conflict.dependents
    assert _unchanged(report)
    assert _owned(engine) == deleted
    assert _changes(engine) == changes
    for model, column in ((Entity, Entity.id), (Alias, Alias.entity_id)):
        assert _count(engine, model, column == TAKHIR) == 0
    text = report.render()
    assert f"  entity {TAKHIR}: deleted through the API by carol at 2026-12-01T10:00:00Z:" in text
    assert "    not inserted either, as they depend on it: 1 person, 1 alias, " in text

    again = seed(engine, DATA_DIR)
    assert again.conflicts == report.conflicts
    assert _unchanged(again)


def test_a_reference_to_a_deleted_place_that_the_database_empties_stays_empty(
    engine: Engine,
) -> None:
    hq = select(Organisation.headquarters_id).where(Organisation.id == SMK)
    assert _scalar(engine, hq) == "almaty"
    _delete_entity(engine, "almaty")
    assert _scalar(engine, hq) is None  # ON DELETE SET NULL

    report = seed(engine, DATA_DIR)

    (conflict,) = report.conflicts
    assert Dependent("organisation", SMK, "headquarters_id left empty") in conflict.dependents
    assert Dependent("place", "almaty", "not inserted") in conflict.dependents
    assert _unchanged(report)
    assert _scalar(engine, hq) is None
    assert f"    references to it left empty: organisation {SMK} headquarters_id" in (
        report.render()
    )

    seed(engine, DATA_DIR, force=True)
    assert _scalar(engine, hq) == "almaty"
    assert _count(engine, Tombstone) == 0


def test_a_curated_row_the_seed_agrees_with_is_no_conflict_and_keeps_its_mark(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        conn.execute(update(Entity).where(Entity.id == MAMAI).values(curated_by="dave"))
        conn.execute(
            update(Alias).where(Alias.natural_key == MAMAI_ALIAS).values(curated_by="dave")
        )

    for force in (False, True):
        report = seed(engine, DATA_DIR, force=force)
        assert report.conflicts == []
        assert _unchanged(report)
        assert "conflict" not in report.render()
    assert _count(engine, Entity, Entity.curated_by == "dave") == 1
    assert _count(engine, Alias, Alias.curated_by == "dave") == 1


def test_a_curated_row_the_seed_no_longer_has_is_kept_with_what_it_refers_to(
    migrated_url: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    extra = data / "curated" / "people.extra.yaml"
    extra.write_text(
        "- id: a-temporary-person\n"
        "  name: A Temporary Person\n"
        "  sources:\n"
        "    - citation: article\n"
        "      quote: Prominent members of the Socialist Movement of Kazakhstan include\n"
        "  aliases:\n"
        "    - name: Temporary\n"
        "      lang: en\n"
        "      kind: other\n"
        "      sources:\n"
        "        - citation: article\n"
        "          quote: Prominent members of the Socialist Movement of Kazakhstan\n",
        encoding="utf-8",
    )
    engine = create_db_engine(migrated_url)
    seed(engine, data)
    with engine.begin() as conn:
        conn.execute(
            update(Alias)
            .where(Alias.entity_id == "a-temporary-person")
            .values(name="Temporarily", curated_by="frank")
        )
    extra.unlink()

    report = seed(engine, data)

    (conflict,) = report.conflicts
    assert (conflict.kind, conflict.table, conflict.entity_id, conflict.seed) == (
        "removed",
        "alias",
        "a-temporary-person",
        None,
    )
    assert conflict.curated is not None
    assert conflict.curated["name"] == "Temporarily"
    assert set(conflict.dependents) == {
        Dependent("entity", "a-temporary-person", "kept"),
        Dependent("person", "a-temporary-person", "kept"),
    }
    assert _unchanged(report)
    for model, where in (
        (Alias, Alias.entity_id == "a-temporary-person"),
        (Entity, Entity.id == "a-temporary-person"),
        (Person, Person.id == "a-temporary-person"),
        (Source, Source.entity_id == "a-temporary-person"),
    ):
        assert _count(engine, model, where) == 1, model
    assert "edited through the API by frank, no longer in the seed: kept" in report.render()
    assert seed(engine, data).conflicts == report.conflicts

    forced = seed(engine, data, force=True)
    assert forced.conflicts[0].overwritten
    assert _count(engine, Entity, Entity.id == "a-temporary-person") == 0
    assert _count(engine, Alias, Alias.entity_id == "a-temporary-person") == 0
    engine.dispose()


# --- Force -----------------------------------------------------------------------------------


def test_force_takes_the_seeds_values_for_every_kind_of_conflict(engine: Engine) -> None:
    fresh = _owned(engine)
    _edit_exile_statement(engine)
    _replace_mamai_alias_sources(engine)
    _delete_entity(engine, TAKHIR)
    _delete_entity(engine, "almaty")
    tokayev_alias = _delete_alias(engine, TOKAYEV_ALIAS)
    kept = seed(engine, DATA_DIR)
    (alias_conflict,) = [c for c in kept.conflicts if c.table == "alias" and c.kind == "deleted"]
    assert (alias_conflict.fact_id, alias_conflict.natural_key) == (tokayev_alias, TOKAYEV_ALIAS)
    assert alias_conflict.entity_id == "kassym-jomart-tokayev"
    assert {(d.table, d.effect) for d in alias_conflict.dependents} == {("source", "not inserted")}
    assert _count(engine, Alias, Alias.id == tokayev_alias) == 0

    forced = seed(engine, DATA_DIR, force=True)

    assert [(c.kind, c.entity_id, c.overwritten) for c in forced.conflicts] == [
        ("edited", KURMANOV, True),
        ("deleted", "almaty", True),
        ("sources", MAMAI, True),
        ("deleted", "kassym-jomart-tokayev", True),
        ("deleted", TAKHIR, True),
    ]
    assert all(c.dependents == () for c in forced.conflicts)
    assert "5 conflicts with curated edits: took the seed's values (--force)" in forced.render()
    assert "inserted again" in forced.render()
    assert _owned(engine) == fresh
    assert _count(engine, Tombstone) == 0
    assert _count(engine, Source, Source.document_id.is_(None)) == 0
    assert forced.changes > 0
    after = seed(engine, DATA_DIR)
    assert after.conflicts == []
    assert _unchanged(after)


def test_rows_and_tombstones_of_other_origins_are_left_alone(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Document).values(
                id="another-document",
                title="Another document",
                fingerprint="",
                seeded_at=DELETED_AT,
            )
        )
        for entity_id, document_id in (("elsewhere", "another-document"), ("somewhere", None)):
            conn.execute(
                insert(Base.metadata.tables["entity"]).values(
                    id=entity_id,
                    type="place",
                    name=entity_id.title(),
                    document_id=document_id,
                    curated_by="gina",
                    version=1,
                    updated_at=DELETED_AT,
                )
            )
            conn.execute(insert(Base.metadata.tables["place"]).values(id=entity_id))
        # A tombstone of another document for a row the article owns too.
        conn.execute(
            insert(Tombstone).values(
                table_name="entity",
                document_id="another-document",
                natural_key=KURMANOV,
                actor="gina",
                at=DELETED_AT,
            )
        )
    fresh = _owned(engine)
    _edit_exile_statement(engine)

    for force in (False, True):
        report = seed(engine, DATA_DIR, force=force)
        assert [c.table for c in report.conflicts] == ["statement"]
    assert _owned(engine) == fresh
    assert _count(engine, Entity, Entity.curated_by == "gina") == 2
    assert _count(engine, Tombstone) == 1


# --- The command ------------------------------------------------------------------------------


def test_kb_seed_reports_conflicts_exits_0_and_force_takes_the_seeds(
    engine: Engine, seeded_copy: str, run_kb: RunKb
) -> None:
    fact_id = _edit_exile_statement(engine)

    result = run_kb(seeded_copy, "seed")

    assert result.exit_code == 0, result.output
    assert "(unchanged)\n\nConflicts with edits made through the API:\n" in result.output
    assert f"  statement {fact_id} ({EXILE}) of entity {KURMANOV}: edited" in result.output
    assert f"1 conflict with curated edits: {KEPT}" in result.output
    assert _scalar(engine, select(Statement.value_text).where(Statement.id == fact_id)) == (
        "in exile in Russia"
    )

    forced = run_kb(seeded_copy, "seed", "--force")

    assert forced.exit_code == 0, forced.output
    assert "1 conflict with curated edits: took the seed's values (--force)" in forced.output
    assert "1 entity versions recorded in the change log" in forced.output
    assert _scalar(engine, select(Statement.value_text).where(Statement.id == fact_id)) == (
        "in exile"
    )
    assert "conflict" not in run_kb(seeded_copy, "seed").output
