"""Bodies as of a date: the name valid then, and the memberships and relations that held.

Works on assembled bodies (no extra queries). Partial dates are whole periods:
a fact dated 2011 holds at any date in 2011. A fact with no dates at all is kept,
since the article does not say when it held. A renaming takes effect on its day:
on 2011-05-07 the new name is valid and the old one is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.core.dates import period_end, period_start
from app.provenance.schemas import AnyEntityRead, AsOfRead

NAME_KINDS = ("official", "former")


class NameLike(Protocol):
    """An alias as a body or a database row holds it."""

    @property
    def name(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start_date(self) -> str | None: ...
    @property
    def end_date(self) -> str | None: ...


def holds_at(start: str | None, end: str | None, date: str) -> bool:
    """Whether a fact dated [start, end] holds at the (partial) date."""
    if start is not None and period_start(start) > period_end(date):
        return False
    return end is None or period_end(end) >= period_start(date)


def _name_valid_at(alias: NameLike, date: str) -> bool:
    day = period_start(date)
    if alias.start_date is not None and period_start(alias.start_date) > day:
        return False
    # The end of a name is the day its successor starts: exclusive.
    return alias.end_date is None or day < period_start(alias.end_date)


def name_at(name: str, aliases: Sequence[NameLike], date: str) -> str:
    """The English name valid at the date: a dated official or former English alias
    covering it (official first, then the latest to start, then the longest), else the
    entity's name."""
    candidates = [
        a
        for a in aliases
        if a.lang == "en"
        and a.kind in NAME_KINDS
        and (a.start_date or a.end_date)
        and _name_valid_at(a, date)
    ]
    if not candidates:
        return name
    # Official before former, then the latest to start, then the fuller form.
    best = max(
        candidates,
        key=lambda a: (a.kind == "official", period_start(a.start_date or "0001"), len(a.name)),
    )
    return best.name


_LIFE_FIELDS = {
    "organisation": ("founding_date", "dissolution_date", "founded", "dissolved"),
    "person": ("birth_date", "death_date", "born", "died"),
    "event": ("start_date", "end_date", "began", "ended"),
}


def _values(body: AnyEntityRead, field: str) -> list[str]:
    """The field's value and every value a disputed claim gives it."""
    values = [getattr(body, field, None)] + [c.value for c in body.disputed.get(field, [])]
    return sorted({v for v in values if v}, key=period_start)


def _inceptions(body: AnyEntityRead) -> list[str]:
    return [
        s.value.date
        for s in body.statements
        if s.property == "inception" and s.value.date is not None
    ]


def _existence(body: AnyEntityRead) -> tuple[list[str], list[str], str, str]:
    """(possible starts, possible ends, started-word, ended-word) of the entity's life:
    every value the sources give, so that a disputed date is never hidden."""
    if body.type not in _LIFE_FIELDS:
        return [], [], "", ""
    start_field, end_field, began, ended = _LIFE_FIELDS[body.type]
    starts = _values(body, start_field)
    ends = _values(body, end_field)
    if body.type == "organisation":
        # The earliest sign of life: an inception statement, or the first dated name.
        earliest = _inceptions(body) + [
            a.start_date for a in body.aliases if a.kind in NAME_KINDS and a.start_date
        ]
        if earliest:
            first = min(earliest, key=period_start)
            if not starts or period_start(first) < period_start(starts[0]):
                return [first, *starts], ends, began, ended
    if body.type == "event" and not ends:
        ends = starts[-1:]
    return starts, ends, began, ended


def existence_note(body: AnyEntityRead, date: str) -> tuple[bool | None, str | None]:
    starts, ends, began, ended = _existence(body)
    kind = body.type
    if starts and period_end(date) < period_start(starts[0]):
        return (
            False,
            f"{date} is before the earliest date known for this {kind} ({began} {starts[0]}).",
        )
    if ends and period_start(date) > period_end(ends[-1]):
        return False, f"{date} is after this {kind} {ended} ({ends[-1]})."
    if not starts and not ends:
        return None, "The knowledge base holds no dates for when this entity existed."
    disputed = _values(body, _LIFE_FIELDS[kind][0]) if kind in _LIFE_FIELDS else []
    if len(disputed) > 1 and period_end(date) < period_start(disputed[-1]):
        return True, (
            f"The sources disagree on when this {kind} was {began}: "
            f"{' or '.join(disputed)}; {date} is "
            + (
                "before all of them, but earlier records show it existed."
                if period_end(date) < period_start(disputed[0])
                else "between them."
            )
        )
    if len(ends) > 1 and period_start(date) > period_end(ends[0]):
        return True, (
            f"The sources disagree on when this {kind} {ended}: "
            f"{' or '.join(ends)}; {date} is before the latest of them."
        )
    return True, None


def apply_as_of(body: AnyEntityRead, date: str) -> AnyEntityRead:
    existed, note = existence_note(body, date)
    update: dict[str, object] = {
        "name": name_at(body.name, body.aliases, date),
        "relations": [r for r in body.relations if holds_at(r.start_date, r.end_date, date)],
        "as_of": AsOfRead(date=date, existed=existed, note=note),
    }
    memberships = getattr(body, "memberships", None)
    if memberships is not None:
        update["memberships"] = [m for m in memberships if holds_at(m.start_date, m.end_date, date)]
    return body.model_copy(update=update)
