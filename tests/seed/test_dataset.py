"""The real dataset: complete enough, exact, and honest about its contradictions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from app.core.config import PROJECT_ROOT
from app.core.text import normalise_whitespace
from app.rules.records import SourceRecord
from app.seed.dataset import Dataset, load_dataset, summary
from tests.shared import shared_path

DATA_DIR = PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(DATA_DIR)


def _sources(value: object) -> Iterator[SourceRecord]:
    if isinstance(value, SourceRecord):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _sources(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _sources(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _sources(item)


def test_the_article_is_the_shared_seed_copied_verbatim() -> None:
    shared = shared_path("seed", "000_1d364fa4a77e3054.txt")
    assert (DATA_DIR / "article.txt").read_bytes() == shared.read_bytes()


def test_floors_are_met(dataset: Dataset) -> None:
    counts = summary(dataset)
    assert counts["organisation"] >= 35
    assert counts["person"] >= 15
    assert counts["event"] >= 12
    assert counts["place"] >= 8
    assert counts["aliases"] >= 40
    assert counts["citations"] == 10


def test_every_quote_is_verbatim_in_the_article(dataset: Dataset) -> None:
    text = normalise_whitespace(dataset.article.text)
    records: list[object] = [r for _, r in dataset.entities.values()]
    records += dataset.memberships + dataset.relations
    quotes = [s.quote for s in _sources(records)]
    assert len(quotes) > 200
    missing = [q for q in quotes if normalise_whitespace(q) not in text]
    assert missing == []


def test_every_fact_has_a_source(dataset: Dataset) -> None:
    for entity_type, record in dataset.entities.values():
        assert record.sources, f"{entity_type} {record.id} has no source"
        for alias in record.aliases:
            assert alias.sources, f"alias {alias.name} of {record.id}"
    for link in [*dataset.memberships, *dataset.relations]:
        assert link.sources


def test_numbered_citations_are_only_the_nine_references(dataset: Dataset) -> None:
    records: list[object] = [r for _, r in dataset.entities.values()]
    used = {s.citation for s in _sources(records + dataset.memberships + dataset.relations)}
    assert used <= {"article"} | {f"ref-{n}" for n in range(1, 10)}


def test_a_reference_that_supports_no_fact_is_explained_in_the_data_readme(
    dataset: Dataset,
) -> None:
    records: list[object] = [r for _, r in dataset.entities.values()]
    used = {s.citation for s in _sources(records + dataset.memberships + dataset.relations)}
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    not_modelled = readme.split("## What the article states that is not modelled")[1]
    for n in range(1, 10):
        if f"ref-{n}" not in used:
            assert f"ref-{n}" in not_modelled or f"[{n}]" in not_modelled, f"ref-{n} unexplained"


def test_the_founding_date_contradiction_is_kept_with_both_quotes(dataset: Dataset) -> None:
    _, org = dataset.entities["socialist-movement-of-kazakhstan"]
    claims = {c.value: c for c in org.disputed["founding_date"]}
    assert set(claims) == {"2006-05-21", "2006-02-21"}
    assert "20–21 May 2006" in claims["2006-05-21"].sources[0].quote
    february = claims["2006-02-21"].sources[0]
    assert "20 to 21 February 2006" in february.quote
    assert february.citation == "ref-2"
    # The February date has a numbered reference; the infobox has none.
    assert org.founding_date == "2006-02-21"


@pytest.mark.parametrize(
    "entity_id",
    [
        "committee-for-a-workers-international",
        "international-meeting-of-communist-and-workers-parties",
        "zhanartu",
        "nur-otan",
        "kazakhstan-2012",
        "zhanaozen-strike-and-shootings",
        "2022-kazakh-unrest",
        "ainur-kurmanov",
        "esenbek-ukteshbayev",
        "takhir-mukhamedzyanov",
        "nursultan-nazarbayev",
        "kassym-jomart-tokayev",
        "almaty",
        "zhanaozen",
        "perm",
        "saint-petersburg",
    ],
)
def test_entities_the_article_names_are_present(dataset: Dataset, entity_id: str) -> None:
    assert entity_id in dataset.entities


def test_the_cwi_section_relation_is_dated(dataset: Dataset) -> None:
    section = [
        r
        for r in dataset.relations
        if (r.subject, r.relation, r.object)
        == (
            "socialist-movement-of-kazakhstan",
            "section_of",
            "committee-for-a-workers-international",
        )
    ]
    assert len(section) == 1
    assert section[0].start_date is not None
    assert section[0].start_date.startswith("2002")
    assert section[0].end_date is not None
    assert section[0].end_date.startswith("2006")


def test_counted_figures_keep_their_qualifiers(dataset: Dataset) -> None:
    figures = {
        (eid, f.value, f.qualifier)
        for eid, (_, rec) in dataset.entities.items()
        for f in getattr(rec, "figures", [])
    }
    assert ("zhanaozen-strike-and-shootings", 14, "more_than") in figures
    assert ("2022-kazakh-unrest", 227, "exactly") in figures
    assert ("2022-kazakh-unrest", 9900, "more_than") in figures
