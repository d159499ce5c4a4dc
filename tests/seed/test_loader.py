"""Seeding: checked first, one transaction, idempotent, and exactly the change on reseed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import PROJECT_ROOT, get_settings
from app.core.db import create_db_engine
from app.models import Alias, Base, Entity, Source
from app.seed.loader import seed

DATA_DIR = PROJECT_ROOT / "data"


def _counts(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        counts = {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }
    engine.dispose()
    return counts


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def run_kb(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def run(url: str, data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("KB_DATABASE_URL", url)
        monkeypatch.setenv("KB_DATA_DIR", str(data_dir))
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, list(args))
        finally:
            get_settings.cache_clear()

    return run


def test_seed_loads_everything_and_a_second_run_changes_nothing(migrated_url: str, run_kb) -> None:  # type: ignore[no-untyped-def]
    first = run_kb(migrated_url, DATA_DIR, "seed")
    assert first.exit_code == 0, first.output
    assert "dataset revision 1 (changed)" in first.output
    counts = _counts(migrated_url)
    assert counts["entity"] >= 70
    assert counts["source"] >= 200

    second = run_kb(migrated_url, DATA_DIR, "seed")
    assert second.exit_code == 0, second.output
    assert "dataset revision 1 (unchanged)" in second.output
    for line in second.output.splitlines()[1:15]:
        _name, _total, added, changed, removed = line.split()
        assert (added, changed, removed) == ("0", "0", "0"), line
    assert _counts(migrated_url) == counts


def test_reseed_after_a_data_change_applies_exactly_that_change(
    migrated_url: str, data_copy: Path
) -> None:
    engine = create_db_engine(migrated_url)
    seed(engine, data_copy)
    before = _counts(migrated_url)
    extra = data_copy / "curated" / "people.extra.yaml"
    extra.write_text(
        "- id: ainur-kurmanov\n"
        "  aliases:\n"
        "    - name: Kurmanov\n"
        "      lang: en\n"
        "      kind: other\n"
        "      sources:\n"
        "        - citation: ref-5\n"
        '          quote: Ainur Kurmanov, "The day Zhanaozen died\n',
        encoding="utf-8",
    )
    report = seed(engine, data_copy)
    changed = {name: c for name, c in report.tables.items() if c.changed}
    assert {name: (c.inserted, c.updated, c.deleted) for name, c in changed.items()} == {
        "alias": (1, 0, 0),
        "source": (1, 0, 0),
    }
    assert report.revision == 2
    assert report.changes == 1  # Kurmanov's body, and only his
    after = _counts(migrated_url)
    assert after["alias"] == before["alias"] + 1
    # His search rows were rebuilt: the new name is there.
    assert after["search_name"] == before["search_name"] + 1

    # Taking the change back removes exactly what it added.
    extra.unlink()
    report = seed(engine, data_copy)
    assert {
        n: (c.inserted, c.updated, c.deleted) for n, c in report.tables.items() if c.changed
    } == {
        "alias": (0, 0, 1),
        "source": (0, 0, 1),
    }
    assert report.changes == 1
    counts = _counts(migrated_url)
    # Everything is as before but the log, which keeps both changes.
    assert counts.pop("change") == before.pop("change") + 2
    assert counts == before
    engine.dispose()


GOOD_SOURCE = {
    "citation": "ref-4",
    "quote": "was found dead in his home under suspicious circumstances",
}
BROKEN = [
    (
        "a quote not in the article",
        {"sources": [{"citation": "ref-4", "quote": "was found alive and well"}]},
        "quote is not in the article",
    ),
    (
        "an unknown citation",
        {"sources": [{"citation": "ref-42", "quote": GOOD_SOURCE["quote"]}]},
        "unknown citation 'ref-42'",
    ),
    ("a bad date", {"start_date": "2012-06-31"}, "not a calendar date"),
]


@pytest.mark.parametrize(("what", "change", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_data_stops_the_seed_naming_file_and_record_and_writes_nothing(
    migrated_url: str,
    data_copy: Path,
    run_kb,  # type: ignore[no-untyped-def]
    what: str,
    change: dict[str, object],
    message: str,
) -> None:
    assert run_kb(migrated_url, data_copy, "seed").exit_code == 0
    before = _counts(migrated_url)
    record = {"id": "a-broken-event", "name": "A broken event", "sources": [GOOD_SOURCE], **change}
    broken = data_copy / "curated" / "events.broken.yaml"
    broken.write_text(yaml.safe_dump([record], allow_unicode=True), encoding="utf-8")

    result = run_kb(migrated_url, data_copy, "seed")

    assert result.exit_code != 0, what
    assert "curated/events.broken.yaml: record 1 (id: a-broken-event)" in result.output
    assert message in result.output
    assert "nothing was written" in result.output
    assert _counts(migrated_url) == before


def test_the_database_enforces_what_it_can(seeded_url: str) -> None:
    engine = create_db_engine(seeded_url)
    statements = [
        "INSERT INTO alias (id, entity_id, name, name_key, lang, kind) VALUES ('x', 'no-such-entity', 'n', 'n', 'en', 'other')",
        "INSERT INTO alias (id, entity_id, name, name_key, lang, kind) VALUES ('x', 'almaty', 'n', 'n', 'en', 'nickname')",
        "UPDATE event SET start_date = '2011-1' WHERE id = 'zhanaozen-strike-and-shootings'",
        "INSERT INTO source (id, citation_id, quote) VALUES ('x', 'article', 'q')",
        "UPDATE entity SET type = 'planet' WHERE id = 'almaty'",
    ]
    for statement in statements:
        with (
            engine.connect() as conn,
            pytest.raises(Exception, match=r"(?i)constraint|foreign key|check"),
            conn.begin(),
        ):
            conn.execute(text(statement))
    engine.dispose()


def test_seeded_rows_all_have_sources(seeded_url: str) -> None:
    engine = create_db_engine(seeded_url)
    with engine.connect() as conn:
        unsourced_entities = conn.execute(
            select(Entity.id).where(
                ~select(Source.id).where(Source.entity_id == Entity.id).exists()
            )
        ).all()
        unsourced_aliases = conn.execute(
            select(Alias.id).where(~select(Source.id).where(Source.alias_id == Alias.id).exists())
        ).all()
    engine.dispose()
    assert unsourced_entities == []
    assert unsourced_aliases == []
