"""Every sentence of the article is held by records that quote it, or excluded with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from app.core.config import PROJECT_ROOT
from app.ingest.article import Article
from app.ingest.sentences import article_sentences, split_sentences
from app.seed.coverage import check_coverage
from app.seed.dataset import Dataset, load_dataset, sources_in

DATA_DIR = PROJECT_ROOT / "data"
# Exclusions are for text that states no fact (a label with no value, a file name).
MAX_EXCLUSIONS = 8


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(DATA_DIR)


def test_every_sentence_is_covered_or_excluded(dataset: Dataset) -> None:
    report = check_coverage(dataset, DATA_DIR)
    assert [str(p) for p in report.problems] == []
    assert len(report.excluded) <= MAX_EXCLUSIONS


def test_every_reference_supports_a_fact(dataset: Dataset) -> None:
    cited = {
        source.citation
        for _, record in dataset.entities.values()
        for _, source in sources_in(record)
    }
    for link in [*dataset.memberships, *dataset.relations, *dataset.statements]:
        cited |= {source.citation for _, source in sources_in(link)}
    assert {f"ref-{n}" for n in range(1, 10)} <= cited


def test_sentences_keep_their_markers_and_split_on_boundaries() -> None:
    assert split_sentences('He left. [4] Then "Quoted" came. [3] However, no.') == [
        "He left. [4]",
        'Then "Quoted" came. [3]',
        "However, no.",
    ]
    assert split_sentences("Nazarbayev. then Tokayev.") == ["Nazarbayev. then Tokayev."]


def test_sentence_indexes_are_unique_and_in_article_order() -> None:
    sentences = article_sentences(Article.from_file(DATA_DIR / "article.txt"))
    assert len({s.index for s in sentences}) == len(sentences)
    assert [s.start for s in sentences] == sorted(s.start for s in sentences)
    assert sentences[0].index == "infobox-1"
    assert any(s.index == "policies-2-1" for s in sentences)


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _rewrite(path: Path, change: object) -> None:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert callable(change)
    path.write_text(yaml.safe_dump(change(entries), allow_unicode=True), encoding="utf-8")


def test_an_uncovered_sentence_fails(dataset: Dataset, tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    _rewrite(data / "coverage.yaml", lambda es: [e for e in es if e["sentence"] != "history-2-2"])
    problems = [str(p) for p in check_coverage(dataset, data).problems]
    assert any("history-2-2: neither covered nor excluded" in p for p in problems)


def test_a_record_that_does_not_quote_its_sentence_fails(dataset: Dataset, tmp_path: Path) -> None:
    data = _copy_data(tmp_path)

    def misplace(entries: list[dict[str, object]]) -> list[dict[str, object]]:
        for entry in entries:
            if entry["sentence"] == "history-2-2":
                entry["records"] = ["entity ainur-kurmanov"]
                entry.pop("excluded", None)
        return entries

    _rewrite(data / "coverage.yaml", misplace)
    problems = [str(p) for p in check_coverage(dataset, data).problems]
    assert any("'entity ainur-kurmanov' has no source quoting this sentence" in p for p in problems)
