"""Data extension: the values of some properties for a column of reconciled entities.

A query names the ids and the properties (``{"ids": [...], "properties": [{"id": ...,
"settings": {...}}]}``); the answer has, per id and property, the values as cells
(``app.reconcile.properties.cell``). However many ids and properties, it takes the
same few SELECTs: the bodies of all the ids at once (``load_bodies``), and one more
for countries, then each property is read from the bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy.orm import Session

from app.core.dependencies import NO_NUL
from app.core.errors import AppError, ProblemError
from app.core.limits import JSONLimitError, loads_limited
from app.reconcile.properties import (
    PROPERTY_BY_ID,
    TYPE_NAMES,
    ReconProperty,
    cell,
    load_facts,
    properties_of,
)

MAX_IDS = 500
MAX_PROPERTIES = 50
MAX_ID_LENGTH = 200

# The one property setting: whether a field whose sources disagree gives every value.
DISPUTED_SETTING: dict[str, Any] = {
    "name": "disputed",
    "label": "Disputed values",
    "type": "select",
    "default": "include",
    "help_text": "Where sources disagree (the founding date of the Socialist Movement of "
    "Kazakhstan), every value they give, the best supported first; or that one only.",
    "choices": [
        {"value": "include", "name": "Every sourced value"},
        {"value": "exclude", "name": "The best-supported value only"},
    ],
}


class InvalidExtendQueryError(AppError):
    status = 422
    slug = "invalid-extend-query"
    title = "Invalid Data Extension Query"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")  # settings of other services are ignored

    disputed: Literal["include", "exclude"] = "include"


class _PropertyQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenRefine also sends the property's name

    id: str
    settings: _Settings = Field(default_factory=_Settings)


EntityId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_LENGTH, pattern=NO_NUL)]


class _ExtendQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ids: list[EntityId] = Field(max_length=MAX_IDS)
    properties: list[_PropertyQuery] = Field(max_length=MAX_PROPERTIES)


@dataclass(frozen=True)
class ExtendRequest:
    ids: list[str]
    properties: list[tuple[ReconProperty, bool]]  # each with: disputed values included


def invalid(loc: list[str | int], message: str) -> InvalidExtendQueryError:
    return InvalidExtendQueryError(
        f"{'.'.join(str(p) for p in loc)}: {message}", [ProblemError(loc=loc, msg=message)]
    )


def parse_extend(raw: str, loc: list[str | int], max_depth: int, max_digits: int) -> ExtendRequest:
    """A data-extension query (JSON), checked: 422 naming each fault, at ``loc``."""
    if not raw.strip():
        raise invalid(loc, "is empty: send a data extension query (JSON)")
    try:
        data = loads_limited(raw, max_depth, max_digits)
    except json.JSONDecodeError as exc:
        raise invalid(loc, f"not valid JSON ({exc.msg} at position {exc.pos})") from None
    except JSONLimitError as exc:
        raise invalid(loc, f"not accepted: {exc}") from None
    try:
        query = _ExtendQuery.model_validate(data)
    except ValidationError as exc:
        errors = [
            ProblemError(
                loc=[*loc, *[p if isinstance(p, int) else str(p) for p in e["loc"]]], msg=e["msg"]
            )
            for e in exc.errors()
        ]
        raise _problems(errors) from None
    errors = [
        ProblemError(
            loc=[*loc, "properties", i, "id"],
            msg=f"unknown property {p.id!r}; see GET /v1/reconcile/extend/properties",
        )
        for i, p in enumerate(query.properties)
        if p.id not in PROPERTY_BY_ID
    ]
    if errors:
        raise _problems(errors)
    chosen: dict[str, tuple[ReconProperty, bool]] = {}
    for p in query.properties:  # a property asked for twice: the first settings count
        chosen.setdefault(p.id, (PROPERTY_BY_ID[p.id], p.settings.disputed == "include"))
    return ExtendRequest(list(dict.fromkeys(query.ids)), list(chosen.values()))


def _problems(errors: list[ProblemError]) -> InvalidExtendQueryError:
    detail = "; ".join(f"{'.'.join(str(p) for p in e.loc)}: {e.msg}" for e in errors)
    return InvalidExtendQueryError(f"invalid data extension query: {detail}", errors)


def meta(prop: ReconProperty) -> dict[str, Any]:
    out: dict[str, Any] = {"id": prop.id, "name": prop.name}
    if prop.target is not None:
        out["type"] = {"id": prop.target, "name": TYPE_NAMES[prop.target]}
    return out


def extend(session: Session, request: ExtendRequest) -> dict[str, Any]:
    """``{"meta": [...], "rows": {id: {property: [cell, ...]}}}``; an id that names no
    entity gets an empty list for every property."""
    facts = load_facts(session, request.ids, {p.id for p, _ in request.properties})
    without_disputes = replace(facts, disputed=False)
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for entity_id in request.ids:
        body = facts.bodies.get(entity_id)
        rows[entity_id] = {
            prop.id: [cell(v) for v in prop.values(body, facts if disputed else without_disputes)]
            if body is not None
            else []
            for prop, disputed in request.properties
        }
    return {"meta": [meta(p) for p, _ in request.properties], "rows": rows}


def propose(type_id: str | None, limit: int | None) -> dict[str, Any]:
    """The properties entities of the type can have (every property without a type)."""
    found = properties_of(type_id)
    if limit is not None:
        found = found[:limit]
    return {
        **({"type": type_id} if type_id else {}),
        "properties": [{"id": p.id, "name": p.name, "description": p.description} for p in found],
        **({"limit": limit} if limit is not None else {}),
    }
