"""The Notes: native names, romanizations and abbreviations of the current and former name."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(
    r"^\s*•\s*(?P<language>Kazakh|Russian):\s*(?P<native>[^,]+),\s*"
    r"(?:romanized:\s*)?(?P<roman>[^,]+),\s*abbreviated\s+(?P<abbreviations>.+?)\s*$"
)
LANGUAGE_CODES = {"Kazakh": "kk", "Russian": "ru"}


@dataclass(frozen=True)
class NameNote:
    """One bullet: a name in one language, its romanization and its abbreviations."""

    language: str  # ISO 639-1 code, "kk" or "ru"
    native: str
    romanized: str
    abbreviations: tuple[str, ...]
    line: str  # the verbatim bullet, the quote for every alias it yields


def parse_notes(lines: list[str]) -> list[NameNote]:
    notes = []
    for line in lines:
        if not line.strip():
            continue
        match = _BULLET.match(line)
        if not match:
            raise ValueError(f"unrecognised note: {line.strip()!r}")
        notes.append(
            NameNote(
                language=LANGUAGE_CODES[match["language"]],
                native=match["native"].strip(),
                romanized=match["roman"].strip(),
                abbreviations=tuple(a.strip() for a in match["abbreviations"].split(" or ")),
                line=line.strip(),
            )
        )
    return notes
