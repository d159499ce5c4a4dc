"""Reconciliation: each query of a batch answered by the search service."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import AppError, ProblemError
from app.core.limits import JSONLimitError, loads_limited
from app.core.vocabulary import ENTITY_TYPES
from app.models import Entity
from app.reconcile.schemas import ReconQuery
from app.search.service import EXACT, Hit, search

TYPE_NAMES: dict[str, str] = {t: t.capitalize() for t in ENTITY_TYPES}
DEFAULT_LIMIT = 5
MAX_LIMIT = 50
MAX_QUERIES = 100


class InvalidQueriesError(AppError):
    status = 422
    slug = "invalid-queries"
    title = "Invalid Reconciliation Queries"


class TimeBudgetError(AppError):
    """The batch was not answered within ``KB_RECONCILE_TIME_BUDGET``: 503 with
    ``Retry-After``, and no partial answer (a client such as OpenRefine would record
    an unanswered query as "no match")."""

    status = 503
    slug = "time-budget-exceeded"
    title = "Time Budget Exceeded"

    def __init__(self, answered: int, total: int, budget: float) -> None:
        super().__init__(
            f"{answered} of {total} queries answered within the {budget:g} s budget "
            "of a request; send smaller batches, or retry later"
        )


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


def queries_from_form(body: bytes) -> str:
    """The ``queries`` field of a form-encoded POST, as OpenRefine sends it."""
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    if "queries" not in fields:
        raise invalid("the form has no `queries` field", ["body", "queries"])
    if not fields["queries"][0].strip():
        raise invalid("is empty: send a JSON object of named queries", ["body", "queries"])
    return fields["queries"][0]


def _types(query: ReconQuery) -> list[str]:
    if query.type is None:
        return []
    return [query.type] if isinstance(query.type, str) else list(query.type)


def reconcile(
    session: Session,
    batch: dict[str, ReconQuery],
    deadline: float | None = None,
    budget: float = 0.0,
) -> dict[str, Any]:
    """Candidates for every query; ``TimeBudgetError`` once ``time.monotonic()`` passes
    ``deadline`` (checked between queries: one query takes milliseconds)."""
    answers: dict[str, Any] = {}
    hits_by_key: dict[str, list[Hit]] = {}
    for key, query in batch.items():
        if deadline is not None and time.monotonic() > deadline:
            raise TimeBudgetError(len(hits_by_key), len(batch), budget)
        if not query.query or not query.query.strip():
            hits_by_key[key] = []  # property-only queries: this service matches names only
            continue
        limit = min(int(query.limit or DEFAULT_LIMIT), MAX_LIMIT)
        # A query with nothing to search for ("-") has no candidates; the other queries
        # of the batch are answered all the same.
        hits_by_key[key] = search(session, query.query, _types(query))[:limit]
    ids = {h.entity_id for hits in hits_by_key.values() for h in hits}
    info = (
        {
            row.id: row
            for row in session.execute(
                select(Entity.id, Entity.name, Entity.description).where(Entity.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    for key, hits in hits_by_key.items():
        exact = [h for h in hits if h.score >= EXACT]
        answers[key] = {
            "result": [
                {
                    "id": h.entity_id,
                    "name": info[h.entity_id].name,
                    **(
                        {"description": info[h.entity_id].description}
                        if info[h.entity_id].description
                        else {}
                    ),
                    "score": round(h.score * 100, 2),
                    "match": len(exact) == 1 and h is exact[0],
                    "type": [{"id": h.entity_type, "name": TYPE_NAMES[h.entity_type]}],
                }
                for h in hits
            ]
        }
    return answers
