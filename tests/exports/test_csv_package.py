"""CSV: a Frictionless Data Package (a zip of one CSV per table and datapackage.json with
types, primary keys and foreign keys) that the frictionless library validates."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from frictionless import Package, validate
from sqlalchemy import func, select

from app.exports.tables import EXPORTED
from tests.exports.conftest import export, zip_member

TABLES = {
    "entities",
    "organisations",
    "people",
    "events",
    "places",
    "concepts",
    "aliases",
    "memberships",
    "relations",
    "participations",
    "event_places",
    "figures",
    "claims",
    "statements",
    "sources",
    "citations",
}


def _write(tmp_path: Path, content: bytes, name: str = "kb.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.fixture(scope="module")
def package(client: TestClient) -> tuple[int, bytes]:
    """The seeded knowledge base's CSV export (read once: validating takes a second)."""
    return export(client, "csv")


def test_the_package_is_valid_foreign_keys_included(
    package: tuple[int, bytes], tmp_path: Path
) -> None:
    _, content = package
    report = validate(str(_write(tmp_path, content)))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])
    assert {task.name for task in report.tasks} == TABLES


def test_the_validator_does_check_foreign_keys(package: tuple[int, bytes], tmp_path: Path) -> None:
    """A source pointing at an alias that is not there makes the package invalid."""
    _, content = package
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "aliases.csv":
                data = data.split(b"\r\n", 1)[0] + b"\r\n"  # the header row only
            target.writestr(info.filename, data)
    report = validate(str(_write(tmp_path, broken.getvalue())))
    assert not report.valid
    assert "foreign-key" in {error.type for task in report.tasks for error in task.errors}


def test_datapackage_json_states_the_seq_and_every_table_with_keys(
    package: tuple[int, bytes],
) -> None:
    seq, content = package
    descriptor = json.loads(zip_member(content, "datapackage.json"))
    assert descriptor["seq"] == seq
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(resources) == TABLES
    for resource in resources.values():
        assert resource["schema"]["primaryKey"] == ["id"]
    sources = resources["sources"]["schema"]
    targets = {fk["fields"]: fk["reference"]["resource"] for fk in sources["foreignKeys"]}
    assert targets["citation_id"] == "citations"
    assert targets["alias_id"] == "aliases"
    assert targets["statement_id"] == "statements"
    fields = {f["name"]: f for f in resources["organisations"]["schema"]["fields"]}
    assert fields["founding_date"]["constraints"]["pattern"].startswith("^[0-9]{4}")
    inferred = {f["name"]: f for f in resources["relations"]["schema"]["fields"]}["inferred"]
    assert inferred["type"] == "boolean"


def test_every_table_has_all_its_rows_and_no_bookkeeping_columns(
    package: tuple[int, bytes], app: FastAPI, tmp_path: Path
) -> None:
    _, content = package
    package = Package(str(_write(tmp_path, content)))
    with app.state.session_factory() as session:
        for resource in EXPORTED:
            stored = session.scalar(select(func.count()).select_from(resource.table))
            rows = list(csv.reader(io.StringIO(zip_member(content, resource.path).decode())))
            assert len(rows) - 1 == stored, resource.name
            assert not {"document_id", "natural_key", "curated_by"} & set(rows[0])
    entities = package.get_resource("entities").read_rows()
    assert {row["type"] for row in entities} >= {"organisation", "person", "event", "place"}
