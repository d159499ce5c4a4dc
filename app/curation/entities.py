"""Entity writes: create (the id is the slug of the name, never one used before),
JSON Merge Patch of the entity's own fields, and delete (refused while others refer
to it, unless cascaded)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, delete, insert, or_, select, update

from app.core.errors import ConflictError, InvalidBodyError
from app.core.text import make_id
from app.core.vocabulary import EntityType
from app.curation.evidence import merge_patch, raise_problems, reference_problems, source_problems
from app.curation.facts import (
    ALIASES,
    _replace_sources,
    create_fact,
    delete_fact_row,
    stored_sources,
)
from app.curation.schemas import CREATE_MODELS, WRITE_MODELS, EntityWrite
from app.curation.unit import WriteUnit, table
from app.models import Change
from app.models.subtypes import SUBTYPE_TABLES, field_name, subtype_columns
from app.provenance.service import load_refs
from app.rules.checks import Problem, check_period

FACT_TABLES = (
    "alias",
    "claim",
    "statement",
    "relation",
    "membership",
    "participation",
    "event_place",
    "event_figure",
)
# Each type's pairs of dates that must be in order.
_PERIODS = (
    ("founding_date", "dissolution_date"),
    ("birth_date", "death_date"),
    ("start_date", "end_date"),
)
_ENTITY_TABLES = {"entity", *(t.name for t in SUBTYPE_TABLES.values())}


def _entity_columns(t: Table) -> list[str]:
    """The columns of a fact table that name an entity (of any type)."""
    return [
        c.name
        for c in t.columns
        if any(fk.column.table.name in _ENTITY_TABLES for fk in c.foreign_keys)
    ]


def _validated(model: type[EntityWrite], data: dict[str, Any]) -> EntityWrite:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidBodyError(
            [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        ) from None


def _own_fields(entity_type: EntityType, body: EntityWrite) -> dict[str, Any]:
    return {c.name: getattr(body, field_name(c)) for c in subtype_columns(entity_type)}


def _problems(unit: WriteUnit, entity_id: str | None, body: EntityWrite) -> list[Problem]:
    problems = source_problems(unit.conn, unit.data_dir, body.sources)
    for start, end in _PERIODS:
        if hasattr(body, start):
            problems += check_period(getattr(body, start), getattr(body, end), end)
    for name in ("headquarters", "part_of"):
        target = getattr(body, name, None)
        if target is not None and target == entity_id:
            problems.append((name, "an entity cannot refer to itself"))
        problems += reference_problems(unit.conn, [(name, target, ("place",))])
    return problems


def new_entity_id(unit: WriteUnit, name: str) -> str:
    """The slug of the name; -2, -3 ... when taken now or ever before (the change log
    remembers deleted ids, so a link to a deleted entity never finds a stranger)."""
    try:
        base = make_id(name)[:100].rstrip("-")
    except ValueError:
        raise InvalidBodyError([("name", "has no letter or digit to make an id from")]) from None
    entity = table("entity")
    n = 1
    while True:
        candidate = base if n == 1 else f"{base}-{n}"
        used = unit.conn.execute(
            select(entity.c.id)
            .where(entity.c.id == candidate)
            .union(select(Change.entity_id).where(Change.entity_id == candidate))
        ).first()
        if used is None:
            return candidate
        n += 1


def create_entity(unit: WriteUnit, entity_type: EntityType, data: dict[str, Any]) -> str:
    body = _validated(CREATE_MODELS[entity_type], data)
    raise_problems(_problems(unit, None, body))
    entity_id = new_entity_id(unit, body.name)
    unit.touch([entity_id])
    unit.conn.execute(
        insert(table("entity")).values(
            id=entity_id,
            type=entity_type,
            name=body.name,
            description=body.description,
            document_id=None,
            curated_by=unit.actor.name,
        )
    )
    unit.conn.execute(
        insert(SUBTYPE_TABLES[entity_type]).values(id=entity_id, **_own_fields(entity_type, body))
    )
    _replace_sources(unit, "entity_id", entity_id, body.sources)
    aliases: list[Any] = getattr(body, "aliases", [])
    for i, alias in enumerate(aliases):
        try:
            create_fact(unit, ALIASES, entity_id, alias.model_dump())
        except InvalidBodyError as exc:
            for error in exc.errors or []:
                error.loc = ["body", "aliases", i, *error.loc[1:]]
            raise
    return entity_id


def current_fields(unit: WriteUnit, entity_type: EntityType, entity_id: str) -> dict[str, Any]:
    """The entity's own fields as a write body has them (what a merge patch applies to)."""
    entity = table("entity")
    row = unit.conn.execute(
        select(entity.c.name, entity.c.description).where(entity.c.id == entity_id)
    ).one()
    sub = SUBTYPE_TABLES[entity_type]
    found = unit.conn.execute(select(sub).where(sub.c.id == entity_id)).mappings().first()
    own: Mapping[str, Any] = dict(found) if found is not None else {}
    fields: dict[str, Any] = {"name": row.name, "description": row.description}
    for column in subtype_columns(entity_type):
        fields[field_name(column)] = own.get(column.name)
    fields["sources"] = stored_sources(unit, "entity_id", entity_id)
    return {k: v for k, v in fields.items() if v is not None}


def update_entity(
    unit: WriteUnit, entity_type: EntityType, entity_id: str, patch: dict[str, Any]
) -> None:
    if not isinstance(patch, dict):
        raise InvalidBodyError([("", "a JSON Merge Patch of an entity is a JSON object")])
    current = current_fields(unit, entity_type, entity_id)
    body = _validated(WRITE_MODELS[entity_type], merge_patch(current, patch))
    raise_problems(_problems(unit, entity_id, body))
    unit.touch([entity_id])
    own_changed = any(
        current.get(field_name(c)) != getattr(body, field_name(c))
        for c in subtype_columns(entity_type)
    )
    if body.name != current["name"] or own_changed:
        # Their bodies show its name, and an event's dates (people, organisations and
        # places list their events with the start date, in date order).
        unit.touch(referrers(unit, entity_id))
    entity = table("entity")
    unit.conn.execute(
        update(entity)
        .where(entity.c.id == entity_id)
        .values(name=body.name, description=body.description, curated_by=unit.actor.name)
    )
    sub = SUBTYPE_TABLES[entity_type]
    own = _own_fields(entity_type, body)
    if own:
        unit.conn.execute(update(sub).where(sub.c.id == entity_id).values(**own))
    if "sources" in patch:
        _replace_sources(unit, "entity_id", entity_id, body.sources)
    # A disputed field's preferred claim is the one equal to the plain value.
    claim = table("claim")
    plain = {"name": body.name, "description": body.description}
    plain |= {field_name(c): own[c.name] for c in subtype_columns(entity_type)}
    disputed = set(
        unit.conn.execute(
            select(claim.c.field).where(claim.c.entity_id == entity_id).distinct()
        ).scalars()
    )
    for field, value in plain.items():
        if field not in disputed:
            continue
        unit.conn.execute(
            update(claim)
            .where(claim.c.entity_id == entity_id, claim.c.field == field)
            .values(preferred=claim.c.value == (None if value is None else str(value)))
        )


def _referring_facts(unit: WriteUnit, entity_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every fact row that names the entity, in any column: (table, row)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name in FACT_TABLES:
        t = table(name)
        columns = _entity_columns(t)
        rows = unit.conn.execute(
            select(t).where(or_(*(t.c[c] == entity_id for c in columns)))
        ).mappings()
        found += [(name, dict(r)) for r in rows]
    return found


def _referring_subtypes(unit: WriteUnit, entity_id: str) -> list[tuple[Table, str, str]]:
    """(subtype table, column, referring entity id) for fields such as headquarters."""
    found: list[tuple[Table, str, str]] = []
    for sub in SUBTYPE_TABLES.values():
        for column in _entity_columns(sub):
            if column == "id":
                continue
            ids = unit.conn.execute(select(sub.c.id).where(sub.c[column] == entity_id))
            found += [(sub, column, str(i)) for i in ids.scalars()]
    return found


def referrers(unit: WriteUnit, entity_id: str) -> set[str]:
    """Other entities whose bodies show this one (their facts or fields name it)."""
    ids: set[str] = set()
    for name, row in _referring_facts(unit, entity_id):
        ids |= {row[c] for c in _entity_columns(table(name)) if row[c]}
    ids |= {referrer for _, _, referrer in _referring_subtypes(unit, entity_id)}
    return ids - {entity_id}


def delete_entity(unit: WriteUnit, entity_id: str, *, cascade: bool) -> None:
    others = referrers(unit, entity_id)
    if others and not cascade:
        refs = load_refs(unit.session, others)
        listed = sorted(others)
        raise ConflictError(
            f"{entity_id!r} is referred to by {len(listed)} other entities "
            f"({', '.join(listed[:10])}{', ...' if len(listed) > 10 else ''}); "
            "delete those facts first, or send ?cascade=true (admin) to delete them with it",
            extensions={"referrers": [refs[i] for i in listed if i in refs]},
        )
    unit.touch([entity_id, *others])
    for name, row in _referring_facts(unit, entity_id):
        delete_fact_row(unit, name, row)
    entity = table("entity")
    for sub, column, referrer in _referring_subtypes(unit, entity_id):
        unit.conn.execute(update(sub).where(sub.c.id == referrer).values({column: None}))
        unit.conn.execute(
            update(entity).where(entity.c.id == referrer).values(curated_by=unit.actor.name)
        )
    stored = unit.conn.execute(select(entity).where(entity.c.id == entity_id)).mappings().one()
    unit.tombstone("entity", dict(stored))
    src = table("source")
    unit.conn.execute(delete(src).where(src.c.entity_id == entity_id))
    for sub in SUBTYPE_TABLES.values():
        unit.conn.execute(delete(sub).where(sub.c.id == entity_id))
    unit.conn.execute(delete(entity).where(entity.c.id == entity_id))
