"""Load, merge and check the whole dataset: parsed article records plus curated YAML.

Nothing here touches the database. Every problem is collected with the file and
the record it concerns, so one run reports everything that is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.core.dates import validate_partial_date
from app.ingest.article import Article
from app.ingest.parser import parse_article
from app.rules.checks import (
    Evidence,
    check_has_sources,
    check_period,
    check_sources,
    check_statement_shape,
)
from app.rules.records import (
    RECORD_BY_TYPE,
    CitationRecord,
    CitationTranslationRecord,
    ClaimRecord,
    EntityRecord,
    EntityType,
    EventRecord,
    MembershipRecord,
    OrganisationRecord,
    PersonRecord,
    PlaceRecord,
    RelationRecord,
    SourceRecord,
    StatementRecord,
)

ARTICLE_FILE = "article.txt"
CURATED_DIR = "curated"
# Curated files are grouped by the prefix of their name: ``people.yaml``,
# ``people.related.yaml`` ... all hold person records.
ENTITY_FILES: dict[str, EntityType] = {
    "organisations": "organisation",
    "people": "person",
    "events": "event",
    "places": "place",
    "concepts": "concept",
}


def _curated_files(curated: Path, prefix: str) -> list[Path]:
    return sorted(curated.glob(f"{prefix}.yaml")) + sorted(curated.glob(f"{prefix}.*.yaml"))


PARSED = "article.txt (parsed)"
# libyaml's safe loader when PyYAML was built with it (the wheels are): the same
# documents, several times faster than the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)
# Fields whose value a disputed claim may hold, per type.
DATE_FIELDS = {
    "founding_date",
    "dissolution_date",
    "birth_date",
    "death_date",
    "start_date",
    "end_date",
}


@dataclass(frozen=True)
class DataProblem:
    file: str
    record: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.problem}"


class DataError(Exception):
    """The dataset is invalid; ``problems`` says where and why."""

    def __init__(self, problems: list[DataProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Dataset:
    article: Article
    citations: dict[str, CitationRecord]
    entities: dict[str, tuple[EntityType, EntityRecord]]
    memberships: list[MembershipRecord]
    relations: list[RelationRecord]
    statements: list[StatementRecord] = field(default_factory=list)


@dataclass
class _Collector:
    problems: list[DataProblem] = field(default_factory=list)

    def add(self, file: str, record: str, problem: str) -> None:
        self.problems.append(DataProblem(file, record, problem))


def _label(index: int, raw: object) -> str:
    if isinstance(raw, dict):
        for key in ("id", "key", "person", "subject"):
            if key in raw:
                return f"record {index + 1} ({key}: {raw[key]})"
    return f"record {index + 1}"


def _read_yaml(path: Path, rel: str, out: _Collector) -> list[Any]:
    if not path.exists():
        return []
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        out.add(rel, "file", f"not valid YAML: {exc}")
        return []
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        out.add(rel, "file", "must hold a list of records")
        return []
    return loaded


def _validate(
    model: type[M], rel: str, raw_items: list[Any], out: _Collector
) -> list[tuple[str, M]]:
    records: list[tuple[str, M]] = []
    for index, raw in enumerate(raw_items):
        label = _label(index, raw)
        try:
            records.append((label, model.model_validate(raw)))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(part) for part in err["loc"]) or "record"
                out.add(rel, label, f"{loc}: {err['msg']}")
    return records


def sources_in(value: Any, path: str = "") -> Iterator[tuple[str, SourceRecord]]:
    """Every SourceRecord nested anywhere in a record, with its location."""
    if isinstance(value, SourceRecord):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from sources_in(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from sources_in(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from sources_in(item, f"{path}.{key}")


def _check_sources(
    record: BaseModel, rel: str, label: str, article: Article, citations: set[str], out: _Collector
) -> None:
    evidence = [Evidence(loc, src.citation, src.quote) for loc, src in sources_in(record)]
    for loc, problem in check_sources(
        evidence, quote_in_article=article.normalised.__contains__, citations=citations
    ):
        out.add(rel, label, f"{loc}: {problem}")


def _check_period(
    rel: str, label: str, start: str | None, end: str | None, out: _Collector
) -> None:
    for _loc, problem in check_period(start, end):
        out.add(rel, label, problem)


def _dedupe(items: Iterable[T]) -> list[T]:
    seen: dict[str, T] = {}
    for item in items:
        seen.setdefault(item.model_dump_json(), item)
    return list(seen.values())


def _merge(
    entity_id: str, parts: list[tuple[str, EntityRecord]], entity_type: EntityType, out: _Collector
) -> EntityRecord | None:
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for rel, record in parts:
        for key in record.model_fields_set:
            value = getattr(record, key)
            if isinstance(value, list):
                merged[key] = _dedupe([*merged.get(key, []), *value])
            elif key == "disputed":
                disputed: dict[str, list[ClaimRecord]] = merged.setdefault("disputed", {})
                for fname, claims in value.items():
                    disputed[fname] = _dedupe([*disputed.get(fname, []), *claims])
            elif key in merged and merged[key] != value:
                out.add(
                    rel,
                    f"id: {entity_id}",
                    f"{key} is {value!r} here but {merged[key]!r} in {owner[key]}",
                )
            else:
                merged[key] = value
                owner[key] = rel
    model = RECORD_BY_TYPE[entity_type]
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            out.add(parts[-1][0], f"id: {entity_id}", f"{err['loc']}: {err['msg']}")
        return None


def _support(claim: ClaimRecord) -> tuple[int, int]:
    numbered = sum(1 for s in claim.sources if s.citation != "article")
    return numbered, len(claim.sources)


def resolve_disputes(record: EntityRecord, rel: str, out: _Collector) -> EntityRecord:
    """Check each disputed field and set its plain value to the best-supported claim."""
    updates: dict[str, str] = {}
    for fname, claims in record.disputed.items():
        label = f"id: {record.id}"
        if fname not in type(record).model_fields or fname in EntityRecord.model_fields:
            out.add(rel, label, f"disputed field {fname!r} is not a field of this entity")
            continue
        if len({c.value for c in claims}) < 2:
            out.add(rel, label, f"disputed field {fname!r} needs at least two different values")
            continue
        if fname in DATE_FIELDS:
            for claim in claims:
                try:
                    validate_partial_date(claim.value)
                except ValueError as exc:
                    out.add(rel, label, f"disputed.{fname}: {exc}")
        best = max(claims, key=_support)  # max keeps the first of equals: file order decides ties
        current = getattr(record, fname)
        if current is not None and current not in {c.value for c in claims}:
            out.add(rel, label, f"{fname} is {current!r}, which none of its disputed claims gives")
        updates[fname] = best.value
    return record.model_copy(update=updates) if updates else record


def _check_refs(
    dataset: Dataset,
    origin: dict[str, str],
    link_origin: dict[int, tuple[str, str]],
    out: _Collector,
) -> None:
    types = {eid: etype for eid, (etype, _) in dataset.entities.items()}

    def need(rel: str, label: str, ref: str | None, what: str, *allowed: EntityType) -> None:
        if ref is None:
            return
        if ref not in types:
            out.add(rel, label, f"{what} refers to unknown entity {ref!r}")
        elif allowed and types[ref] not in allowed:
            out.add(
                rel, label, f"{what} {ref!r} is a {types[ref]}, expected {' or '.join(allowed)}"
            )

    for eid, (_etype, rec) in dataset.entities.items():
        rel, label = origin[eid], f"id: {eid}"
        if not rec.name:
            out.add(
                rel,
                label,
                "has no name (neither the article parser nor the curated file gives one)",
            )
        for loc, problem in check_has_sources(len(rec.sources)):
            out.add(rel, label, f"{loc}: {problem}")
        for alias in rec.aliases:
            _check_period(
                rel, f"{label}, alias {alias.name!r}", alias.start_date, alias.end_date, out
            )
        if isinstance(rec, OrganisationRecord):
            need(rel, label, rec.headquarters, "headquarters", "place")
            _check_period(rel, label, rec.founding_date, rec.dissolution_date, out)
        elif isinstance(rec, PlaceRecord):
            need(rel, label, rec.part_of, "part_of", "place")
        elif isinstance(rec, PersonRecord):
            _check_period(rel, label, rec.birth_date, rec.death_date, out)
        elif isinstance(rec, EventRecord):
            _check_period(rel, label, rec.start_date, rec.end_date, out)
            for place in rec.places:
                need(rel, label, place.place, "places", "place")
            for participant in rec.participants:
                need(rel, label, participant.entity, "participants")
    for m in dataset.memberships:
        rel, label = link_origin.get(id(m), (PARSED, f"person: {m.person}"))
        need(rel, label, m.person, "person", "person")
        need(rel, label, m.organisation, "organisation", "organisation")
        _check_period(rel, label, m.start_date, m.end_date, out)
    for r in dataset.relations:
        rel, label = link_origin.get(id(r), (PARSED, f"subject: {r.subject}"))
        need(rel, label, r.subject, "subject")
        need(rel, label, r.object, "object")
        _check_period(rel, label, r.start_date, r.end_date, out)
    keys: dict[str, str] = {}
    facts: dict[str, str] = {}
    for st in dataset.statements:
        rel, label = link_origin.get(id(st), (PARSED, f"key: {st.key}"))
        if st.key in keys:
            out.add(rel, label, f"key {st.key!r} is also used in {keys[st.key]}")
        keys.setdefault(st.key, rel)
        fact = st.model_dump_json(exclude={"key", "sources"})
        if fact in facts:
            out.add(
                rel,
                label,
                f"states the same fact as statement {facts[fact]!r}: give that one the sources",
            )
        facts.setdefault(fact, st.key)
        value_entity = st.value.entity
        for loc, problem in check_statement_shape(
            subject_type=types.get(st.subject),
            property_id=st.property,
            value_type=st.value.value_type,
            value_entity_type=types.get(value_entity) if value_entity else None,
            value_entity=value_entity,
        ):
            out.add(rel, label, f"{loc}: {problem}")
        _check_period(rel, label, st.start_date, st.end_date, out)


def load_dataset(data_dir: Path) -> Dataset:
    """Parse the article, read the curated files, merge by id and check everything."""
    out = _Collector()
    article = Article.from_file(data_dir / ARTICLE_FILE)
    try:
        parsed = parse_article(article)
    except ValueError as exc:
        raise DataError([DataProblem(ARTICLE_FILE, "parser", str(exc))]) from exc

    citations = {c.id: c for c in parsed.citations}
    curated = data_dir / CURATED_DIR
    rel_citations = f"{CURATED_DIR}/citations.yaml"
    raw = _read_yaml(curated / "citations.yaml", rel_citations, out)
    for label, tr in _validate(CitationTranslationRecord, rel_citations, raw, out):
        if tr.id not in citations:
            out.add(rel_citations, label, f"unknown citation {tr.id!r}")
        else:
            citations[tr.id] = citations[tr.id].model_copy(update={"title_en": tr.title_en})
    citation_ids = set(citations)

    parts: dict[str, list[tuple[str, EntityRecord]]] = {}
    typed: dict[str, tuple[EntityType, str]] = {}

    def add_part(rel: str, label: str, etype: EntityType | None, rec: EntityRecord) -> None:
        _check_sources(rec, rel, label, article, citation_ids, out)
        if etype is not None:
            if rec.id in typed and typed[rec.id][0] != etype:
                out.add(rel, label, f"id is already a {typed[rec.id][0]} in {typed[rec.id][1]}")
                return
            typed.setdefault(rec.id, (etype, rel))
        parts.setdefault(rec.id, []).append((rel, rec))

    for etype, rec in parsed.entities:
        add_part(PARSED, f"id: {rec.id}", etype, rec)
    for rec in parsed.untyped:
        add_part(PARSED, f"id: {rec.id}", None, rec)
    for prefix, etype in ENTITY_FILES.items():
        for path in _curated_files(curated, prefix):
            rel = f"{CURATED_DIR}/{path.name}"
            seen: set[str] = set()
            raw = _read_yaml(path, rel, out)
            for label, record in _validate(RECORD_BY_TYPE[etype], rel, raw, out):
                if record.id in seen:
                    out.add(rel, label, "id appears twice in this file")
                seen.add(record.id)
                add_part(rel, label, etype, record)

    origin: dict[str, str] = {}
    entities: dict[str, tuple[EntityType, EntityRecord]] = {}
    for eid, eparts in parts.items():
        if eid not in typed:
            out.add(
                PARSED,
                f"id: {eid}",
                "related entry has no curated record giving its type "
                "(add it to organisations.yaml, people.yaml, events.yaml or places.yaml)",
            )
            continue
        etype, first_rel = typed[eid]
        origin[eid] = first_rel
        merged = _merge(eid, eparts, etype, out)
        if merged is not None:
            entities[eid] = (etype, resolve_disputes(merged, first_rel, out))

    link_origin: dict[int, tuple[str, str]] = {}
    memberships: list[MembershipRecord] = list(parsed.memberships)
    relations: list[RelationRecord] = list(parsed.relations)
    for m in memberships:
        _check_sources(m, PARSED, f"person: {m.person}", article, citation_ids, out)
    for r in relations:
        _check_sources(r, PARSED, f"subject: {r.subject}", article, citation_ids, out)
    statements: list[StatementRecord] = []
    for prefix, model, target in (
        ("memberships", MembershipRecord, memberships),
        ("relations", RelationRecord, relations),
        ("statements", StatementRecord, statements),
    ):
        for path in _curated_files(curated, prefix):
            rel = f"{CURATED_DIR}/{path.name}"
            raw = _read_yaml(path, rel, out)
            for label, link in _validate(model, rel, raw, out):
                _check_sources(link, rel, label, article, citation_ids, out)
                link_origin[id(link)] = (rel, label)
                target.append(link)  # type: ignore[arg-type]

    dataset = Dataset(
        article=article,
        citations=citations,
        entities=entities,
        memberships=_dedupe(memberships),
        relations=_dedupe(relations),
        statements=statements,
    )
    _check_refs(dataset, origin, link_origin, out)
    if out.problems:
        raise DataError(out.problems)
    return dataset


def summary(dataset: Dataset) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(RECORD_BY_TYPE, 0)
    for etype, _ in dataset.entities.values():
        counts[etype] += 1
    return {
        **counts,
        "aliases": sum(len(r.aliases) for _, r in dataset.entities.values()),
        "citations": len(dataset.citations),
        "memberships": len(dataset.memberships),
        "relations": len(dataset.relations),
        "statements": len(dataset.statements),
    }


def dump_summary(dataset: Dataset) -> str:
    return json.dumps(summary(dataset), indent=2)
