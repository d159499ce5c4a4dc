"""Per-record data rules, shared by the seed and (later) by API writes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from app.core.dates import period_end, period_start
from app.core.text import normalise_whitespace
from app.core.vocabulary import PROPERTY_BY_ID

# (location inside the record, message)
Problem = tuple[str, str]


@dataclass(frozen=True)
class Evidence:
    """One source as a rule sees it."""

    loc: str
    citation: str
    quote: str


def check_sources(
    evidence: Iterable[Evidence],
    *,
    quote_in_article: Callable[[str], bool],
    citations: Collection[str],
) -> list[Problem]:
    """Every source cites a known citation, and a quote citing the article or one of
    its references is verbatim in the article."""
    problems: list[Problem] = []
    for source in evidence:
        if source.citation not in citations:
            problems.append((source.loc, f"unknown citation {source.citation!r}"))
        if not quote_in_article(normalise_whitespace(source.quote)):
            problems.append((source.loc, f"quote is not in the article: {source.quote!r}"))
    return problems


def check_has_sources(count: int, loc: str = "sources") -> list[Problem]:
    return [] if count > 0 else [(loc, "a fact needs at least one source")]


def check_period(start: str | None, end: str | None, loc: str = "") -> list[Problem]:
    """Dates are already valid partial dates (the contract's type checks them); the
    range must be ordered, comparing whole periods (2011 is not after 2011-05)."""
    if start and end and period_start(start) > period_end(end):
        return [(loc, f"start_date {start} is after end_date {end}")]
    return []


def check_statement_shape(
    *,
    subject_type: str | None,
    property_id: str,
    value_type: str,
    value_entity_type: str | None,
    value_entity: str | None,
) -> list[Problem]:
    """The property exists, fits the subject's type, and the value has a type the
    property takes; an entity value must exist."""
    prop = PROPERTY_BY_ID.get(property_id)
    if prop is None:
        return [("property", f"unknown property {property_id!r} (see GET /v1/properties)")]
    problems: list[Problem] = []
    if subject_type is None:
        problems.append(("subject", "refers to an unknown entity"))
    elif subject_type not in prop.subject_types:
        problems.append(
            (
                "subject",
                f"{property_id!r} applies to {', '.join(prop.subject_types)}, "
                f"not to a {subject_type}",
            )
        )
    if value_type not in prop.value_types:
        problems.append(
            (
                "value",
                f"{property_id!r} takes a value of type {' or '.join(prop.value_types)}, "
                f"not {value_type}",
            )
        )
    if value_type == "entity" and value_entity_type is None:
        problems.append(("value.entity", f"refers to unknown entity {value_entity!r}"))
    return problems
