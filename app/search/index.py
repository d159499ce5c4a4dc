"""The search tables, kept in step with the knowledge base one batch of entities at a time.

``reindex(conn, ids)`` replaces the search names and tokens of exactly those
entities from what the database holds now: their name and aliases, and their
weight (how many sources back the facts they take part in, used to break ties).
The seed calls it for the entities a seed changed, ``kb generate`` for the
entities it made, and API writes will call it for the entities they touch.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select

from app.core.names import name_tokens
from app.models import (
    Alias,
    Claim,
    Entity,
    EventFigure,
    EventPlace,
    Membership,
    Participation,
    Relation,
    SearchName,
    SearchToken,
    Source,
    Statement,
)

_CHUNK = 2000

# The entities each kind of fact involves, by the fact table's columns.
_INVOLVES: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (Alias, "alias_id", ("entity_id",)),
    (Membership, "membership_id", ("person_id", "organisation_id")),
    (Relation, "relation_id", ("subject_id", "object_id")),
    (Participation, "participation_id", ("event_id", "entity_id")),
    (EventPlace, "event_place_id", ("event_id", "place_id")),
    (EventFigure, "event_figure_id", ("event_id",)),
    (Claim, "claim_id", ("entity_id",)),
    (Statement, "statement_id", ("subject_id", "value_entity_id")),
)


def search_name_id(entity_id: str, alias_id: str | None, name: str) -> str:
    digest = hashlib.sha1(json.dumps([entity_id, alias_id, name]).encode()).hexdigest()
    return f"sn_{digest[:24]}"


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _weights(conn: Connection, ids: list[str]) -> Counter[str]:
    source: Table = Source.__table__  # type: ignore[assignment]
    weights: Counter[str] = Counter()
    rows = conn.execute(
        select(source.c.entity_id, func.count())
        .where(source.c.entity_id.in_(ids))
        .group_by(source.c.entity_id)
    )
    weights.update({row[0]: row[1] for row in rows})
    for model, column, involved in _INVOLVES:
        table: Table = model.__table__
        for entity_column in involved:
            rows = conn.execute(
                select(table.c[entity_column], func.count())
                .select_from(table.join(source, source.c[column] == table.c.id))
                .where(table.c[entity_column].in_(ids))
                .group_by(table.c[entity_column])
            )
            weights.update({row[0]: row[1] for row in rows})
    return weights


def _reindex_chunk(conn: Connection, ids: list[str]) -> int:
    names: Table = SearchName.__table__  # type: ignore[assignment]
    tokens: Table = SearchToken.__table__  # type: ignore[assignment]
    conn.execute(
        delete(tokens).where(
            tokens.c.search_name_id.in_(select(names.c.id).where(names.c.entity_id.in_(ids)))
        )
    )
    conn.execute(delete(names).where(names.c.entity_id.in_(ids)))
    entities = conn.execute(
        select(Entity.id, Entity.type, Entity.name).where(Entity.id.in_(ids))
    ).all()
    if not entities:
        return 0
    types = {e.id: e.type for e in entities}
    candidates: list[tuple[str, str | None, str, str, str, str | None, str | None]] = [
        (e.id, None, e.name, "en", "official", None, None) for e in entities
    ]
    aliases = conn.execute(
        select(
            Alias.entity_id,
            Alias.id,
            Alias.name,
            Alias.lang,
            Alias.kind,
            Alias.start_date,
            Alias.end_date,
        ).where(Alias.entity_id.in_(ids))
    ).all()
    candidates += [tuple(a) for a in aliases]  # type: ignore[misc]
    weights = _weights(conn, ids)
    name_rows: dict[str, dict[str, Any]] = {}
    token_rows: list[dict[str, Any]] = []
    for entity_id, alias_id, name, lang, kind, start, end in candidates:
        words = name_tokens(name)
        if not words:
            continue
        row_id = search_name_id(entity_id, alias_id, name)
        if row_id in name_rows:
            continue
        name_rows[row_id] = {
            "id": row_id,
            "entity_id": entity_id,
            "entity_type": types[entity_id],
            "alias_id": alias_id,
            "name": name,
            "lang": lang,
            "kind": kind,
            "start_date": start,
            "end_date": end,
            "key": " ".join(words),
            "sorted_key": " ".join(sorted(words)),
            "weight": weights[entity_id],
        }
        token_rows += [
            {"id": f"{row_id}:{n}", "search_name_id": row_id, "position": n, "token": word}
            for n, word in enumerate(words)
        ]
    if name_rows:
        conn.execute(insert(names), list(name_rows.values()))
    if token_rows:
        conn.execute(insert(tokens), token_rows)
    return len(name_rows)


def reindex(conn: Connection, entity_ids: Collection[str]) -> int:
    """Rebuild the search rows of these entities (a deleted id just loses its rows).
    Returns the number of search names written."""
    ids = sorted(set(entity_ids))
    return sum(_reindex_chunk(conn, chunk) for chunk in _chunks(ids))
