"""Revert: make an entity's own fields and facts what they were at an earlier version,
as a new version. The body stored with that version in the change log says what they
were; facts are matched by their stable ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from app.core.errors import InvalidBodyError, NotFoundError
from app.core.vocabulary import EntityType
from app.curation import entities, facts
from app.curation.facts import CLAIMS, FactKind
from app.curation.unit import WriteUnit, table
from app.history.service import entity_at_version
from app.models.subtypes import SUBTYPE_TABLES, field_name, subtype_columns


def _own_fields(entity_type: EntityType, body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": body["name"],
        "description": body.get("description"),
        "sources": body["sources"],
    }
    for column in subtype_columns(entity_type):
        value = body.get(field_name(column))
        fields[field_name(column)] = value["id"] if isinstance(value, dict) else value
    return {k: v for k, v in fields.items() if v is not None}


def _old_facts(kind: FactKind, body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if kind is CLAIMS:
        listed = facts.claims_with_fields(body)
        return {c["id"]: {k: v for k, v in c.items() if k != "id"} for c in listed}
    return {str(f.get("fact_id", f.get("id"))): kind.from_read(f) for f in kind.in_body(body)}


def _recreate(
    unit: WriteUnit, entity_type: EntityType, entity_id: str, body: dict[str, Any]
) -> None:
    unit.touch([entity_id])
    unit.conn.execute(
        insert(table("entity")).values(
            id=entity_id,
            type=entity_type,
            name=body["name"],
            description=body.get("description"),
            document_id=None,
            curated_by=unit.actor.name,
        )
    )
    unit.conn.execute(insert(SUBTYPE_TABLES[entity_type]).values(id=entity_id))


def revert_entity(unit: WriteUnit, entity_id: str, version: int, if_match: str | None) -> None:
    old = entity_at_version(unit.session, entity_id, version)
    entity_type: EntityType = old["type"]
    exists = unit.conn.execute(
        select(table("entity").c.id).where(table("entity").c.id == entity_id)
    ).first()
    if exists is not None:
        actual = unit.check_if_match(entity_id, if_match, required=True)
        if actual != entity_type:
            raise NotFoundError(f"{entity_id!r} is now a {actual}, not a {entity_type}")
    else:
        _recreate(unit, entity_type, entity_id, old)
    entities.update_entity(
        unit, entity_type, entity_id, _replacement(unit, entity_type, entity_id, old)
    )
    for kind in facts.KINDS[entity_type]:
        wanted = _old_facts(kind, old)
        t = kind.table
        current = set(
            unit.conn.execute(select(t.c.id).where(t.c[kind.owner] == entity_id)).scalars()
        )
        for fact_id in sorted(current - set(wanted)):
            facts.delete_fact(unit, kind, entity_id, fact_id)
        for fact_id, data in wanted.items():
            try:
                if fact_id in current:
                    facts.update_fact(unit, kind, entity_id, fact_id, data, replace=True)
                else:
                    facts.create_fact(unit, kind, entity_id, data, fact_id=fact_id)
            except InvalidBodyError as exc:
                raise InvalidBodyError(
                    [
                        (
                            f"to ({kind.segment} {fact_id}): "
                            + ".".join(str(p) for p in e.loc[1:]),
                            e.msg,
                        )
                        for e in exc.errors or []
                    ]
                ) from None


def _replacement(
    unit: WriteUnit, entity_type: EntityType, entity_id: str, old: dict[str, Any]
) -> dict[str, Any]:
    """A merge patch that makes the own fields exactly the old ones (null removes)."""
    wanted = _own_fields(entity_type, old)
    current = entities.current_fields(unit, entity_type, entity_id)
    patch: dict[str, Any] = dict.fromkeys(current)
    patch.update(wanted)
    return patch
