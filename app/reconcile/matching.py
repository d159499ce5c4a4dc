"""Property matching: how a reconciliation query's ``properties`` move a candidate's score.

Candidates come from the names (the search service); each property of the query
whose ``pid`` is a reconciliation property (``GET /v1/reconcile/suggest/property``) is
then compared with the candidate's values of that property, as data extension would
return them (disputed values included: a value any source gives agrees):

* it **agrees** when some query value matches some candidate value: +``MATCH_BONUS``;
* it **contradicts** when the candidate has values and none matches: -``CONTRADICTION_PENALTY``;
* it says nothing when the candidate has no value for it (or the property does not
  apply to its type), when no query value can be compared, or for an unknown ``pid``.

Values match as follows: dates at the precision both give (``2006`` agrees with
``2006-02-21``, ``2006-05`` does not; a number such as 2006 or a text holding one year
is a year); entities by id (``{"id": ...}``, or a text equal to the id) or by name;
texts when the words of one (spelling-insensitive keys, any script) are all words of
the other (``party`` agrees with ``political party``, ``Алматы`` with ``Almaty``);
a country code also by its country's name or id; numbers when equal; ``type`` by the
entity type or a word of its classification (``party``), contradicted only by another
entity type (``person`` for an organisation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.core.names import name_tokens
from app.core.vocabulary import ENTITY_TYPES
from app.provenance.schemas import AnyEntityRead
from app.reconcile.properties import (
    DateValue,
    EntityValue,
    Facts,
    NumberValue,
    ReconProperty,
    TextValue,
    TypeValue,
    Value,
)

MATCH_BONUS = 10.0
CONTRADICTION_PENALTY = 30.0

_ISO_DATE = re.compile(
    r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


@dataclass(frozen=True)
class PropertyOutcome:
    property_id: str
    agrees: bool


def query_values(v: Any) -> list[Any]:
    """The comparable values of a query property's ``v``: strings, numbers and
    ``{"id": ...}`` objects, from a single value or an array of them."""
    items = v if isinstance(v, list) else [v]
    out: list[Any] = []
    for item in items:
        if isinstance(item, bool):
            continue  # no property of this service holds booleans
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        elif isinstance(item, int | float) and math.isfinite(item):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            out.append({"id": item["id"]})
    return out


def _partial_date(text: str) -> str | None:
    """A partial ISO date from a date (``2006-05-21``), a date-time as clients send date
    cells (``2006-05-21T00:00:00Z``) or a text holding exactly one year (``May 2006``)."""
    if found := _ISO_DATE.match(text):
        return "-".join(part for part in found.groups() if part)
    years = _YEAR.findall(text)
    return years[0] if len(years) == 1 else None


def _dates_agree(a: str, b: str) -> bool:
    common = min(len(a), len(b))
    return a[:common] == b[:common]


def words_agree(a: str, b: str) -> bool:
    """All the words of one are words of the other (spelling-insensitive, any script)."""
    words_a, words_b = set(name_tokens(a)), set(name_tokens(b))
    return bool(words_a and words_b) and (words_a <= words_b or words_b <= words_a)


def _number_text(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def _compare_type(text: str, value: TypeValue) -> bool | None:
    """A type agrees with its own name or a word of the classification, and contradicts
    only another entity type's name (``person`` for an organisation): other words
    (``party`` for a "political organisation") say nothing."""
    if words_agree(text, value.type) or (
        value.classification is not None and words_agree(text, value.classification)
    ):
        return True
    return False if any(words_agree(text, t) for t in ENTITY_TYPES) else None


def compare(query: Any, value: Value) -> bool | None:
    """Whether a query value matches a candidate's value; None when they cannot be
    compared (an entity reference against a date, a text that is no date, ...)."""
    if isinstance(value, TypeValue):
        text = query.get("id", "") if isinstance(query, dict) else str(query)
        return _compare_type(text, value)
    if isinstance(query, dict):
        if isinstance(value, EntityValue):
            return bool(query["id"] == value.id)
        if isinstance(value, TextValue) and value.same_as:
            return bool(query["id"] in {e.id for e in value.same_as})
        return None
    if isinstance(value, DateValue):
        if isinstance(query, str):
            date = _partial_date(query)
        else:
            date = f"{int(query):04d}" if float(query).is_integer() and 1 <= query <= 9999 else None
        return None if date is None else _dates_agree(date, value.date)
    if isinstance(value, NumberValue):
        try:
            number = float(query)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return math.isclose(number, value.number, rel_tol=1e-9, abs_tol=1e-9)
    text = query if isinstance(query, str) else _number_text(query)
    if isinstance(value, EntityValue):
        return text == value.id or words_agree(text, value.name)
    if value.same_as and (text.casefold() == value.text.casefold()):
        return True
    return words_agree(text, value.text) or any(
        text == e.id or words_agree(text, e.name) for e in value.same_as
    )


def outcome(
    prop: ReconProperty, queries: list[Any], body: AnyEntityRead, facts: Facts
) -> PropertyOutcome | None:
    """Agrees, contradicts, or None (nothing to compare)."""
    values = prop.values(body, facts)
    compared = [compare(q, v) for q in queries for v in values]
    if any(c is True for c in compared):
        return PropertyOutcome(prop.id, True)
    if any(c is False for c in compared):
        return PropertyOutcome(prop.id, False)
    return None


def adjusted_score(name_score: float, outcomes: Iterable[PropertyOutcome]) -> float:
    """The name score (0–100) moved by each property's outcome; not yet clamped."""
    return name_score + sum(MATCH_BONUS if o.agrees else -CONTRADICTION_PENALTY for o in outcomes)
