"""Suggest services: auto-completion of entities, types and properties as a user types.

Entities are found by the search service, so any name in any script finds its entity,
and every word typed matches the start of a word of a name ("Ainur Kur", "Соц",
"Zhana"). A word cut short inside a letter group that romanisations spell differently
would miss: "Sot" is the start of "Sotsialisticheskoe" but not of its key ("socia...",
where "ts" is "c"), "Tokay" not of "Tokaev"'s. So when the text ends that way the
completed text is searched too ("Sots", "Toka"), and each entity keeps its best
score. An entity's id typed in full finds it first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from anyascii import anyascii
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.text import fold_case_and_marks
from app.models import Entity
from app.reconcile.budget import Deadline
from app.reconcile.properties import TYPE_DESCRIPTIONS, TYPE_NAMES, properties_of
from app.search.service import Hit, search
from app.search.vocabulary import vocabulary

# A final letter that may be the first of a group the name keys spell as one letter
# (ts/tz -> c, kh -> h, ph -> f), and the letter that completes it.
_OPEN_GROUPS = {"t": "s", "k": "h", "p": "h"}
# A final y or i after a vowel: the glide that keys drop between vowels (Tokayev -> tokaev).
_FINAL_GLIDE = re.compile(r"(?<=[aeiou])[yi]$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def completions(text: str) -> list[str]:
    """Other spellings of the text to search, when its last word may be cut short
    inside a letter group."""
    latin = anyascii(text).rstrip()
    if not latin or not latin[-1].isalpha():
        return []
    found = []
    if (letter := latin[-1].lower()) in _OPEN_GROUPS:
        found.append(latin + _OPEN_GROUPS[letter])
    if _FINAL_GLIDE.search(latin) and len(latin.split()[-1]) > 2:
        found.append(latin[:-1])
    return found


def _rank(hit: Hit) -> tuple[float, int, str, str]:
    return (-round(hit.score, 6), -hit.weight, hit.name, hit.entity_id)


@dataclass(frozen=True)
class Page:
    cursor: int
    limit: int


def suggest_entities(
    session: Session, prefix: str, types: list[str], page: Page, deadline: Deadline
) -> dict[str, Any]:
    text = prefix.strip()
    if not text:
        return {"result": []}
    best: dict[str, Hit] = {}
    for attempt in [text, *completions(text)]:
        deadline.check("The suggestion")
        for hit in search(vocabulary(session), attempt, types):
            if hit.entity_id not in best or hit.score > best[hit.entity_id].score:
                best[hit.entity_id] = hit
    ranked = [h.entity_id for h in sorted(best.values(), key=_rank)]
    if _SLUG.match(text):  # an id typed in full comes first
        statement = select(Entity.id).where(Entity.id == text)
        if types:
            statement = statement.where(Entity.type.in_(types))
        if session.scalar(statement) is not None:
            ranked = [text, *(i for i in ranked if i != text)]
    shown = ranked[page.cursor : page.cursor + page.limit]
    rows = (
        {
            row.id: row
            for row in session.execute(
                select(Entity.id, Entity.type, Entity.name, Entity.description).where(
                    Entity.id.in_(shown)
                )
            )
        }
        if shown
        else {}
    )
    return {
        "result": [
            {
                "id": rows[i].id,
                "name": rows[i].name,
                **({"description": rows[i].description} if rows[i].description else {}),
                "notable": [{"id": rows[i].type, "name": TYPE_NAMES[rows[i].type]}],
            }
            for i in shown
            if i in rows
        ]
    }


def _prefix_rank(prefix: str, *names: str) -> int | None:
    """0: a name is the prefix; 1: a name starts with it; 2: a word of a name does; None:
    no match. Case and diacritics are ignored; ``_`` separates words like a space."""
    wanted = fold_case_and_marks(prefix).strip()
    if not wanted:
        return 2
    folded = [fold_case_and_marks(n).replace("_", " ") for n in names]
    wanted = wanted.replace("_", " ")
    if any(n == wanted for n in folded):
        return 0
    if any(n.startswith(wanted) for n in folded):
        return 1
    if any(w.startswith(wanted) for n in folded for w in re.split(r"[\s@()-]+", n)):
        return 2
    return None


def _ranked(prefix: str, items: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Items (id, name, body) matching the prefix: best rank first, then in their order."""
    ranks = [(_prefix_rank(prefix, item_id, name), i) for i, (item_id, name, _) in enumerate(items)]
    return [items[i][2] for rank, i in sorted((r, i) for r, i in ranks if r is not None)]


def suggest_types(prefix: str, page: Page) -> dict[str, Any]:
    items = [
        (t, name, {"id": t, "name": name, "description": TYPE_DESCRIPTIONS.get(t, name)})
        for t, name in TYPE_NAMES.items()
    ]
    return {"result": _ranked(prefix, items)[page.cursor : page.cursor + page.limit]}


def suggest_properties(prefix: str, type_id: str | None, page: Page) -> dict[str, Any]:
    items = [
        (p.id, p.name, {"id": p.id, "name": p.name, "description": p.description})
        for p in properties_of(type_id)
    ]
    return {"result": _ranked(prefix, items)[page.cursor : page.cursor + page.limit]}
