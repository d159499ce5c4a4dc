"""Natural keys and the fact ids derived from them.

A fact's natural key is what identifies it within its document (an alias: entity,
language, kind and name; a relation: subject, verb and object), so the seed can
find the stored row for a record and update its values in place. A new fact's id
is derived from its document and key, so two fresh databases agree on ids; once
given, an id never changes, whatever is later edited.
"""

from __future__ import annotations

import hashlib
import json

MAX_KEY_LENGTH = 400
_FACT_ID_PREFIX = {
    "alias": "al",
    "membership": "ms",
    "relation": "rl",
    "participation": "pt",
    "event_place": "ep",
    "event_figure": "fg",
    "claim": "cl",
    "statement": "st",
    "source": "sr",
}


def _digest(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def natural_key(*parts: object) -> str:
    """``a|b|c``; a key too long for its column keeps a readable head and a digest."""
    key = "|".join("" if p is None else str(p) for p in parts)
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{key[: MAX_KEY_LENGTH - 41]}#{_digest(key)}"


def source_key(table: str, fact_key: str, citation: str, quote: str) -> str:
    return _digest(table, fact_key, citation, quote)


def new_fact_id(document: str | None, table: str, key: str) -> str:
    return f"{_FACT_ID_PREFIX[table]}_{_digest(document, table, key)[:24]}"
