"""Reconciliation: each query of a batch answered by the search service, its candidates
re-ranked by the query's properties (``app.reconcile.matching``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs

import orjson
from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.core.errors import AppError, ProblemError
from app.core.limits import JSONLimitError, loads_limited
from app.models import Entity
from app.reconcile.budget import Deadline, TimeBudgetError
from app.reconcile.matching import PropertyOutcome, adjusted_score, outcome, query_values
from app.reconcile.properties import PROPERTY_BY_ID, TYPE_NAMES, Facts, ReconProperty, load_facts
from app.reconcile.schemas import ReconQuery
from app.search.service import EXACT, Hit, search
from app.search.vocabulary import Vocabulary, vocabulary

__all__ = ["TYPE_NAMES", "TimeBudgetError"]

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
MAX_QUERIES = 100
# With properties, this many name matches (at least) are scored, so that a candidate
# further down the names can rise into the first `limit` on its properties.
PROPERTY_WINDOW = 20


class InvalidQueriesError(AppError):
    status = 422
    slug = "invalid-queries"
    title = "Invalid Reconciliation Queries"


def invalid(message: str, loc: list[str | int]) -> InvalidQueriesError:
    return InvalidQueriesError(f"queries: {message}", [ProblemError(loc=loc, msg=message)])


# JSON of a batch: nesting and number size are bounded before it is parsed (Python's
# parser recurses, and a 5,000-digit integer fails only when converted); these are
# the defaults of KB_MAX_JSON_DEPTH and KB_MAX_JSON_NUMBER_DIGITS.
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_DIGITS = 50


def parse_batch(
    raw: str,
    max_depth: int = MAX_JSON_DEPTH,
    max_digits: int = MAX_JSON_NUMBER_DIGITS,
) -> dict[str, ReconQuery]:
    """A JSON query batch (an object of named queries), checked against the 0.2 spec."""
    try:
        data = loads_limited(raw, max_depth, max_digits)
    except json.JSONDecodeError as exc:
        raise invalid(f"not valid JSON ({exc.msg} at position {exc.pos})", ["queries"]) from None
    except JSONLimitError as exc:
        raise invalid(f"not accepted: {exc}", ["queries"]) from None
    if not isinstance(data, dict) or not data:
        raise invalid("must be a non-empty JSON object of named queries", ["queries"])
    if len(data) > MAX_QUERIES:
        raise invalid(f"{len(data)} queries in one batch; at most {MAX_QUERIES}", ["queries"])
    batch: dict[str, ReconQuery] = {}
    errors: list[ProblemError] = []
    for key, value in data.items():
        try:
            batch[key] = ReconQuery.model_validate(value)
        except ValidationError as exc:
            errors += [
                ProblemError(loc=["queries", key, *[str(p) for p in e["loc"]]], msg=e["msg"])
                for e in exc.errors()
            ]
            continue
        for type_id in _types(batch[key]):
            if type_id not in TYPE_NAMES:
                errors.append(
                    ProblemError(
                        loc=["queries", key, "type"],
                        msg=f"unknown type {type_id!r}; use one of {', '.join(TYPE_NAMES)}",
                    )
                )
    if errors:
        detail = "; ".join(f"{'.'.join(str(p) for p in e.loc)}: {e.msg}" for e in errors)
        raise InvalidQueriesError(f"invalid query batch: {detail}", errors)
    return batch


def form_fields(body: bytes) -> dict[str, str]:
    """The fields of a form-encoded body (the first value of each)."""
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def queries_from_form(body: bytes) -> str:
    """The ``queries`` field of a form-encoded POST, as OpenRefine sends it."""
    return queries_field(form_fields(body))


def queries_field(fields: dict[str, str]) -> str:
    if "queries" not in fields:
        raise invalid("the form has no `queries` field (nor `extend`)", ["body", "queries"])
    if not fields["queries"].strip():
        raise invalid("is empty: send a JSON object of named queries", ["body", "queries"])
    return fields["queries"]


def _types(query: ReconQuery) -> list[str]:
    if query.type is None:
        return []
    return [query.type] if isinstance(query.type, str) else list(query.type)


@dataclass
class _Scored:
    hit: Hit
    raw: float  # the name score moved by the properties, not clamped
    outcomes: list[PropertyOutcome]


def _properties(query: ReconQuery) -> list[tuple[ReconProperty, list[Any]]]:
    """The query's properties this service knows, each with its comparable values."""
    found = []
    for item in query.properties or []:
        prop = PROPERTY_BY_ID.get(item.pid)
        values = query_values(item.v)
        if prop is not None and values:
            found.append((prop, values))
    return found


class EntityInfo(NamedTuple):
    """What a candidate shows of its entity besides the match."""

    name: str
    description: str | None


# The entities' names and descriptions by id (absent: no longer there), and the facts a
# batch's properties are matched against: read through a session by the route, by
# compiled statements in front of FastAPI (app.reconcile.fast_path).
ReadEntities = Callable[[Collection[str]], dict[str, EntityInfo]]
ReadFacts = Callable[[Collection[str], Collection[str]], Facts]


def entity_info_statement() -> Select[str, str, str | None]:
    """The id, name and description of entities: what ``EntityInfo`` is read from."""
    return select(Entity.id, Entity.name, Entity.description)


def entity_info(session: Session, ids: Collection[str]) -> dict[str, EntityInfo]:
    if not ids:
        return {}
    statement = entity_info_statement().where(Entity.id.in_(ids))
    return {row.id: EntityInfo(row.name, row.description) for row in session.execute(statement)}


def reconcile(
    session: Session,
    batch: dict[str, ReconQuery],
    deadline: float | None = None,
    budget: float = 0.0,
) -> dict[str, Any]:
    """``answer_batch`` with the search tables and the database ``session`` reads."""
    return answer_batch(
        batch,
        vocabulary(session),
        functools.partial(entity_info, session),
        functools.partial(load_facts, session),
        Deadline(deadline, budget),
    )


def answer_batch(
    batch: dict[str, ReconQuery],
    vocab: Vocabulary,
    read_entities: ReadEntities,
    read_facts: ReadFacts,
    clock: Deadline,
) -> dict[str, Any]:
    """Candidates for every query; ``TimeBudgetError`` once ``clock`` has passed
    (checked between queries: one query takes milliseconds).

    A query's candidates are its name matches (``app.search``); when it has properties
    this service knows, the first ``max(limit, PROPERTY_WINDOW)`` of them are scored on
    those too (``app.reconcile.matching``), re-ranked, and cut to ``limit``. The bodies
    of every candidate of the batch are read at once, in a fixed number of queries.
    """
    hits_by_key: dict[str, list[Hit]] = {}
    properties_by_key: dict[str, list[tuple[ReconProperty, list[Any]]]] = {}
    for key, query in batch.items():
        if clock.passed:
            raise TimeBudgetError.for_batch(len(hits_by_key), len(batch), clock.budget)
        if not query.query or not query.query.strip():
            hits_by_key[key] = []  # candidates come from names: none without a query
            continue
        limit = min(int(query.limit or DEFAULT_LIMIT), MAX_LIMIT)
        properties_by_key[key] = _properties(query)
        window = max(limit, PROPERTY_WINDOW) if properties_by_key[key] else limit
        # A query with nothing to search for ("-") has no candidates; the other queries
        # of the batch are answered all the same.
        hits_by_key[key] = list(search(vocab, query.query, _types(query), first=window)[:window])
    info = read_entities({h.entity_id for hits in hits_by_key.values() for h in hits})
    matched = {
        h.entity_id for key, props in properties_by_key.items() if props for h in hits_by_key[key]
    }
    wanted = {p.id for props in properties_by_key.values() for p, _ in props}
    facts = read_facts(matched, wanted) if matched else Facts({})
    clock.check("The batch")
    answers: dict[str, Any] = {}
    for key, hits in hits_by_key.items():
        query = batch[key]
        limit = min(int(query.limit or DEFAULT_LIMIT), MAX_LIMIT)
        props = properties_by_key.get(key, [])
        scored = [_score(h, props, facts) for h in hits if h.entity_id in info]
        if props:
            scored.sort(key=lambda s: -s.raw)  # stable: equal scores keep the name order
        answers[key] = {"result": _candidates(scored[:limit], scored, info, props)}
    return answers


def has_properties(batch: dict[str, ReconQuery]) -> bool:
    """Whether any query of the batch has properties (matched against facts)."""
    return any(query.properties for query in batch.values())


def _score(hit: Hit, props: list[tuple[ReconProperty, list[Any]]], facts: Facts) -> _Scored:
    if not props:  # the name score alone (most queries)
        return _Scored(hit, hit.score * 100, [])
    outcomes: list[PropertyOutcome] = []
    body = facts.bodies.get(hit.entity_id)
    if body is not None:
        for prop, values in props:
            found = outcome(prop, values, body, facts)
            if found is not None:
                outcomes.append(found)
    return _Scored(hit, adjusted_score(hit.score * 100, outcomes), outcomes)


def _sure(scored: _Scored) -> bool:
    """An exact name match that no property contradicts."""
    return scored.hit.score >= EXACT and all(o.agrees for o in scored.outcomes)


def _candidates(
    shown: list[_Scored],
    scored: list[_Scored],
    info: dict[str, EntityInfo],
    props: list[tuple[ReconProperty, list[Any]]],
) -> list[dict[str, Any]]:
    """The candidates to return. ``match`` is true for the first one only, when its
    name matches exactly, no property contradicts it, and no other such candidate is
    as good (without properties: it is the only exact name match)."""
    best = shown[0] if shown else None
    decided = (
        best is not None
        and _sure(best)
        and all(s.raw < best.raw for s in scored if s is not best and _sure(s))
    )
    out = []
    # Keys in the order of ReconCandidate's fields, values of its types, None left out:
    # the answer is encoded as it is (``encode_answers``), not through the model.
    for s in shown:
        row = info[s.hit.entity_id]
        candidate: dict[str, Any] = {"id": s.hit.entity_id, "name": row.name}
        if row.description:
            candidate["description"] = row.description
        candidate["score"] = float(round(min(100.0, max(0.0, s.raw)), 2))
        if props:
            candidate["features"] = [
                {"id": "name_score", "value": float(round(s.hit.score * 100, 2))},
                *({"id": f"{o.property_id}_match", "value": o.agrees} for o in s.outcomes),
            ]
        candidate["match"] = decided and s is best
        candidate["type"] = [{"id": s.hit.entity_type, "name": TYPE_NAMES[s.hit.entity_type]}]
        out.append(candidate)
    return out


def encode_answers(answers: dict[str, Any]) -> bytes:
    """The JSON of a batch's answers (``dict[str, ReconResult]``), as built: validating
    them through the model and dumping it took 100-150 µs of a 10-query batch. A test
    holds these bytes to the model's own (tests/api/test_reconcile_fast_path.py)."""
    return orjson.dumps(answers)
