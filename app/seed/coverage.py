"""Completeness, made checkable: every sentence of the article is held by records that
quote it, or is excluded with a reason.

``data/coverage.yaml`` (and any ``data/coverage.*.yaml``, grouped like the curated files)
maps each sentence index of ``app.ingest.sentences`` to record references:

    entity ID                      alias ENTITY NAME
    membership PERSON ORGANISATION [ROLE]
    relation SUBJECT VERB OBJECT   participation EVENT ENTITY [ROLE]
    event_place EVENT PLACE
    figure EVENT MEASURE           claim ENTITY FIELD VALUE
    statement KEY                  citation ID

A reference must name at least one record, and every record it names must have a
source whose quote lies, at least in part, inside that sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.core.text import normalise_whitespace
from app.ingest.sentences import Sentence, article_sentences
from app.rules.records import EventRecord, SourceRecord
from app.seed.dataset import DataProblem, Dataset

COVERAGE_GLOB = ("coverage.yaml", "coverage.*.yaml")


class CoverageEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sentence: str
    records: list[str] = Field(default_factory=list)
    excluded: str | None = None

    @model_validator(mode="after")
    def _covered_or_excluded(self) -> CoverageEntry:
        if bool(self.records) == bool(self.excluded):
            raise ValueError("give either records or an excluded reason, not both or neither")
        return self


@dataclass
class CoverageReport:
    entries: dict[str, CoverageEntry]
    sentences: list[Sentence]
    problems: list[DataProblem]

    @property
    def excluded(self) -> list[CoverageEntry]:
        return [e for e in self.entries.values() if e.excluded]


def _named(dataset: Dataset, reference: str) -> list[list[SourceRecord]] | None:
    """The sources of every record a reference names; None for a malformed reference."""
    kind, _, rest = reference.partition(" ")
    parts = rest.split(" ")
    entities = dataset.entities

    def entity(eid: str) -> Any:
        found = entities.get(eid)
        return found[1] if found else None

    if kind == "entity" and len(parts) == 1:
        rec = entity(parts[0])
        return [rec.sources] if rec else []
    if kind == "alias" and len(parts) >= 2:
        rec, name = entity(parts[0]), " ".join(parts[1:])
        return [a.sources for a in rec.aliases if a.name == name] if rec else []
    if kind == "claim" and len(parts) >= 3:
        rec, field, value = entity(parts[0]), parts[1], " ".join(parts[2:])
        if rec is None:
            return []
        return [c.sources for c in rec.disputed.get(field, []) if c.value == value]
    if kind == "participation" and len(parts) >= 2:
        rec, role = entity(parts[0]), " ".join(parts[2:])
        if not isinstance(rec, EventRecord):
            return []
        return [
            p.sources
            for p in rec.participants
            if p.entity == parts[1] and (not role or p.role == role)
        ]
    if kind in ("event_place", "figure") and len(parts) == 2:
        rec = entity(parts[0])
        if not isinstance(rec, EventRecord):
            return []
        if kind == "event_place":
            return [p.sources for p in rec.places if p.place == parts[1]]
        return [f.sources for f in rec.figures if f.measure == parts[1]]
    if kind == "membership" and len(parts) >= 2:
        role = " ".join(parts[2:])
        return [
            m.sources
            for m in dataset.memberships
            if (m.person, m.organisation) == (parts[0], parts[1]) and (not role or m.role == role)
        ]
    if kind == "relation" and len(parts) == 3:
        return [
            r.sources
            for r in dataset.relations
            if (r.subject, r.relation, r.object) == tuple(parts)
        ]
    if kind == "statement" and len(parts) == 1:
        return [s.sources for s in dataset.statements if s.key == parts[0]]
    if kind == "citation" and len(parts) == 1:
        # A reference is its own evidence: the citation table holds its fields.
        return [[]] if parts[0] in dataset.citations else []
    return None


def _spans(text: str, quote: str) -> Iterator[tuple[int, int]]:
    needle = normalise_whitespace(quote)
    at = text.find(needle)
    while at >= 0:
        yield at, at + len(needle)
        at = text.find(needle, at + 1)


def _quotes_sentence(text: str, sources: list[SourceRecord], sentence: Sentence) -> bool:
    return any(
        sentence.overlaps(start, end) for s in sources for start, end in _spans(text, s.quote)
    )


def load_entries(data_dir: Path, problems: list[DataProblem]) -> dict[str, CoverageEntry]:
    entries: dict[str, CoverageEntry] = {}
    paths = [p for pattern in COVERAGE_GLOB for p in sorted(data_dir.glob(pattern))]
    for path in paths:
        rel = path.name
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            problems.append(DataProblem(rel, "file", f"not valid YAML: {exc}"))
            continue
        if not isinstance(raw, list):
            problems.append(DataProblem(rel, "file", "must hold a list of entries"))
            continue
        for n, item in enumerate(raw, start=1):
            try:
                entry = CoverageEntry.model_validate(item)
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(DataProblem(rel, f"entry {n}", err["msg"]))
                continue
            if entry.sentence in entries:
                problems.append(DataProblem(rel, entry.sentence, "sentence is listed twice"))
            entries[entry.sentence] = entry
    return entries


def check_coverage(dataset: Dataset, data_dir: Path) -> CoverageReport:
    problems: list[DataProblem] = []
    entries = load_entries(data_dir, problems)
    sentences = article_sentences(dataset.article)
    known = {s.index for s in sentences}
    text = dataset.article.normalised
    for index in entries:
        if index not in known:
            problems.append(DataProblem("coverage", index, "no such sentence in the article"))
    for sentence in sentences:
        entry = entries.get(sentence.index)
        if entry is None:
            problems.append(
                DataProblem(
                    "coverage",
                    sentence.index,
                    f"neither covered nor excluded: {sentence.text[:100]!r}",
                )
            )
            continue
        for reference in entry.records:
            named = _named(dataset, reference)
            if named is None:
                problems.append(
                    DataProblem("coverage", sentence.index, f"malformed reference {reference!r}")
                )
            elif not named:
                problems.append(
                    DataProblem("coverage", sentence.index, f"{reference!r} names no record")
                )
            elif not reference.startswith("citation ") and not all(
                _quotes_sentence(text, sources, sentence) for sources in named
            ):
                problems.append(
                    DataProblem(
                        "coverage",
                        sentence.index,
                        f"{reference!r} has no source quoting this sentence",
                    )
                )
    return CoverageReport(entries, sentences, problems)
