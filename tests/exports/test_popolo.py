"""Popolo: persons, organizations, memberships, events and areas, each valid against the
official Popolo JSON Schemas (draft 3), with other_names, dates and sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft3Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT3

from tests.exports.conftest import export
from tests.shared import shared_path

POPOLO = "http://www.popoloproject.com/schemas/"
SECTIONS = {
    "persons": "person",
    "organizations": "organization",
    "memberships": "membership",
    "events": "event",
    "areas": "area",
}


def _registry(folder: Path) -> Registry:
    registry: Registry = Registry()
    for path in sorted(folder.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resource = DRAFT3.create_resource(schema)
        registry = registry.with_resource(schema["id"], resource)
        registry = registry.with_resource(schema["id"].rstrip("#"), resource)
    return registry


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft3Validator]:
    folder = shared_path("schemas", "popolo")
    registry = _registry(folder)
    out = {}
    for section, name in SECTIONS.items():
        schema = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        out[section] = Draft3Validator(schema, registry=registry, format_checker=FormatChecker())
    return out


@pytest.fixture(scope="module")
def popolo(client: TestClient) -> tuple[int, dict[str, Any]]:
    seq, content = export(client, "popolo")
    return seq, json.loads(content)


def test_the_validator_rejects_what_popolo_forbids(validators: dict[str, Draft3Validator]) -> None:
    """The schemas are loaded with their cross-references: a bad nested link fails."""
    bad = {"id": "x", "sources": [{"note": "no url"}], "birth_date": "May 2006"}
    assert len(list(validators["persons"].iter_errors(bad))) == 2


def test_every_object_is_valid_popolo(
    popolo: tuple[int, dict[str, Any]], validators: dict[str, Draft3Validator]
) -> None:
    _, document = popolo
    for section in SECTIONS:
        assert document[section], section
        for item in document[section]:
            errors = [e.message for e in validators[section].iter_errors(item)]
            assert not errors, (section, item["id"], errors)


def test_every_key_is_one_the_popolo_spec_names(
    popolo: tuple[int, dict[str, Any]], validators: dict[str, Draft3Validator]
) -> None:
    """The schemas allow unknown keys, so a misspelt key would pass validation."""
    _, document = popolo
    folder = shared_path("schemas", "popolo")
    other_name = set(json.loads((folder / "other_name.json").read_text())["properties"])
    link = set(json.loads((folder / "link.json").read_text())["properties"])
    for section in SECTIONS:
        allowed = set(validators[section].schema["properties"])
        for item in document[section]:
            assert set(item) <= allowed, (section, set(item) - allowed)
            for name in item.get("other_names", []):
                assert set(name) <= other_name | {"lang"}, name
            for source in item.get("sources", []):
                assert set(source) <= link


def test_the_top_level_seq_is_the_kb_seq(popolo: tuple[int, dict[str, Any]]) -> None:
    seq, document = popolo
    assert document["seq"] == seq
    assert set(document) == {"seq", "updated_at", *SECTIONS}


def test_names_dates_memberships_and_sources_carry_over(
    popolo: tuple[int, dict[str, Any]], client: TestClient
) -> None:
    _, document = popolo
    organisations = {o["id"]: o for o in document["organizations"]}
    smk = organisations["socialist-movement-of-kazakhstan"]
    body = client.get("/v1/organisations/socialist-movement-of-kazakhstan").json()
    assert smk["founding_date"] == body["founding_date"]
    assert {(n["name"], n["lang"]) for n in smk["other_names"]} == {
        (a["name"], a["lang"]) for a in body["aliases"]
    }
    assert all(
        n["note"] in {"official", "former", "abbreviation", "romanization", "translation", "other"}
        for n in smk["other_names"]
    )
    assert [s["note"] for s in smk["sources"]] == [
        f"{s['citation']}: {s['quote']}" for s in body["sources"]
    ]
    persons = {p["id"] for p in document["persons"]}
    for membership in document["memberships"]:
        assert membership["person_id"] in persons
        assert membership["organization_id"] in organisations
        assert membership["sources"]
    areas = {a["id"] for a in document["areas"]}
    assert all(a.get("parent_id", next(iter(areas))) in areas for a in document["areas"])
