"""The search tables, kept in step with the knowledge base one batch of entities at a time.

``reindex(conn, ids)`` replaces the search names and tokens of exactly those
entities from what the database holds now: their name and aliases, and their
weight (how many sources back the facts they take part in, used to break ties);
then their ``search_word`` rows, the words of what the knowledge base says about
them besides their names (description, statements, the entities their relations
point at), which partial matching searches (docs/search.md).
The seed calls it for the entities a seed changed, ``kb generate`` for the
entities it made, and API writes will call it for the entities they touch.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select

from app.core.names import name_key, name_tokens
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
    SearchWord,
    Source,
    Statement,
)

_CHUNK = 2000

# The format of the rows ``reindex`` writes. Bump it whenever the same data would be
# indexed differently (name keys, tokens, search words, weights): the next start-up
# (``kb serve``, ``kb seed``, ``kb migrate``) then rebuilds every entity's search rows
# (app.search.freshness, recorded in the ``search_index`` table).
INDEX_FORMAT = 1

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


# Words too common in prose to tell entities apart: never stored as search words, and
# not counted when a query is matched word by word (as skeletons, like every token).
STOPWORDS = frozenset(
    name_key(
        "a an and are as at be by for from had has have he her his in into is it its of on "
        "or she that the their them they this to under was were which who with"
    ).split()
)
_MAX_WORD = 100  # longer "words" are not words (a URL, a hash): not indexed


def field_words(
    own_words: Collection[str], texts: Iterable[tuple[str, str | None]]
) -> dict[str, str]:
    """Each searchable word of ``texts`` (field, text pairs, strongest field first)
    with the first field holding it; words of the entity's own names are left out."""
    found: dict[str, str] = {}
    for field, text in texts:
        for word in name_tokens(text or ""):
            if (
                len(word) > 1
                and len(word) <= _MAX_WORD
                and word not in STOPWORDS
                and word not in own_words
            ):
                found.setdefault(word, field)
    return found


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


def reindex_words(conn: Connection, ids: list[str]) -> int:
    """Rebuild the ``search_word`` rows of these entities from the database as it is
    now, their ``search_name`` rows included (for their own words and weight).
    Returns the number of rows written."""
    words: Table = SearchWord.__table__  # type: ignore[assignment]
    conn.execute(delete(words).where(words.c.entity_id.in_(ids)))
    entities = conn.execute(
        select(Entity.id, Entity.type, Entity.description).where(Entity.id.in_(ids))
    ).all()
    if not entities:
        return 0
    own: dict[str, set[str]] = {e.id: set() for e in entities}
    weights: dict[str, int] = {}
    for entity_id, token, weight in conn.execute(
        select(SearchName.entity_id, SearchToken.token, SearchName.weight)
        .join(SearchToken, SearchToken.search_name_id == SearchName.id)
        .where(SearchName.entity_id.in_(ids))
    ):
        own[entity_id].add(token)
        weights[entity_id] = weight
    texts: dict[str, list[tuple[str, str | None]]] = {
        e.id: [("description", e.description)] for e in entities
    }
    linked: list[tuple[str, str, str]] = []  # (entity, field, entity whose name counts)
    for subject, value_text, value_entity in conn.execute(
        select(Statement.subject_id, Statement.value_text, Statement.value_entity_id)
        .where(Statement.subject_id.in_(ids))
        .order_by(Statement.id)
    ):
        if value_text is not None:
            texts[subject].append(("statement", value_text))
        if value_entity is not None:
            linked.append((subject, "statement", value_entity))
    linked += [
        (subject, "relation", target)
        for subject, target in conn.execute(
            select(Relation.subject_id, Relation.object_id)
            .where(Relation.subject_id.in_(ids))
            .order_by(Relation.id)
        )
    ]
    targets = sorted({target for _, _, target in linked})
    names: dict[str, str] = {}
    for chunk in _chunks(targets):
        rows = conn.execute(select(Entity.id, Entity.name).where(Entity.id.in_(chunk)))
        names.update({row.id: row.name for row in rows})
    # Statements before relations: the field order is the ranking order.
    for subject, field, target in sorted(linked, key=lambda link: link[1] != "statement"):
        texts[subject].append((field, names.get(target)))
    word_rows = [
        {
            "entity_id": e.id,
            "token": token,
            "entity_type": e.type,
            "field": field,
            "weight": weights.get(e.id, 0),
        }
        for e in entities
        for token, field in field_words(own[e.id], texts[e.id]).items()
    ]
    if word_rows:
        conn.execute(insert(words), word_rows)
    return len(word_rows)


def reindex(conn: Connection, entity_ids: Collection[str]) -> int:
    """Rebuild the search rows of these entities (a deleted id just loses its rows).
    Returns the number of search names written."""
    ids = sorted(set(entity_ids))
    written = 0
    for chunk in _chunks(ids):
        written += _reindex_chunk(conn, chunk)
        reindex_words(conn, chunk)
    return written
