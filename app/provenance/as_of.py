"""Bodies as of a date: the name valid then, and the memberships and relations that held.

Works on assembled bodies (no extra queries). Partial dates are whole periods:
a fact dated 2011 holds at any date in 2011. A fact with no dates at all is kept,
since the article does not say when it held. A renaming takes effect on its day:
on 2011-05-07 the new name is valid and the old one is not.
"""

from __future__ import annotations

from typing import Any

from app.core.dates import period_end, period_start

NAME_KINDS = ("official", "former")


def holds_at(start: str | None, end: str | None, date: str) -> bool:
    """Whether a fact dated [start, end] holds at the (partial) date."""
    if start is not None and period_start(start) > period_end(date):
        return False
    return end is None or period_end(end) >= period_start(date)


def _name_valid_at(alias: dict[str, Any], date: str) -> bool:
    day = period_start(date)
    start, end = alias["start_date"], alias["end_date"]
    if start is not None and period_start(start) > day:
        return False
    # The end of a name is the day its successor starts: exclusive.
    return end is None or day < period_start(end)


def name_at(body: dict[str, Any], date: str) -> str:
    """The English name valid at the date: a dated official or former English alias
    covering it (official first, then the latest to start, then the longest), else the
    entity's name."""
    candidates = [
        a
        for a in body["aliases"]
        if a["lang"] == "en"
        and a["kind"] in NAME_KINDS
        and (a["start_date"] or a["end_date"])
        and _name_valid_at(a, date)
    ]
    if not candidates:
        return str(body["name"])
    # Official before former, then the latest to start, then the fuller form.
    best = max(
        candidates,
        key=lambda a: (
            a["kind"] == "official",
            period_start(a["start_date"] or "0001"),
            len(a["name"]),
        ),
    )
    return str(best["name"])


def _existence(body: dict[str, Any]) -> tuple[str | None, str | None, str, str]:
    """(start, end, started-word, ended-word) of the entity's life, by type."""
    etype = body["type"]
    if etype == "organisation":
        starts = [body.get("founding_date")] + [
            a["start_date"] for a in body["aliases"] if a["kind"] in NAME_KINDS
        ]
        known = [s for s in starts if s]
        return (
            (min(known, key=period_start) if known else None),
            body.get("dissolution_date"),
            "founded",
            "dissolved",
        )
    if etype == "person":
        return body.get("birth_date"), body.get("death_date"), "born", "died"
    if etype == "event":
        return (
            body.get("start_date"),
            body.get("end_date") or body.get("start_date"),
            "began",
            "ended",
        )
    return None, None, "", ""


def existence_note(body: dict[str, Any], date: str) -> tuple[bool | None, str | None]:
    start, end, began, ended = _existence(body)
    if start and period_end(date) < period_start(start):
        return (
            False,
            f"{date} is before the earliest date known for this {body['type']} ({began} {start}).",
        )
    if end and period_start(date) > period_end(end):
        return False, f"{date} is after this {body['type']} {ended} ({end})."
    if start is None and end is None:
        return None, "The knowledge base holds no dates for when this entity existed."
    return True, None


def apply_as_of(body: dict[str, Any], date: str) -> dict[str, Any]:
    existed, note = existence_note(body, date)
    out = dict(body)
    out["name"] = name_at(body, date)
    for key in ("memberships", "relations"):
        if key in out:
            out[key] = [f for f in out[key] if holds_at(f["start_date"], f["end_date"], date)]
    out["as_of"] = {"date": date, "existed": existed, "note": note}
    return out
