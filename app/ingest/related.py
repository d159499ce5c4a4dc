""" "Related Research Articles": one entity per entry, named by its lead sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.text import make_id

_SPAN = re.compile(r'^<span class="mw-page-title-main">(?P<title>[^<]+)</span>\s*(?P<subtitle>.*)$')
_SUBJECT = re.compile(
    r"^(?:The )?(?P<subject>.+?),? (?:is|was|were|are|consists of|trace) ", re.UNICODE
)
_ABBREVIATION = re.compile(r"^(?P<name>.+?) \((?P<abbr>[A-Z]{2,})\)$")
_TRANSLATION = re.compile(r'^(?P<name>.+?) \("(?P<translation>[^"]+)"\)$')
_ALSO_KNOWN = re.compile(r"^(?P<name>.+?), also known as (?P<names>.+)$")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)»\"]\.)\s+(?=[A-Z\"«])")


@dataclass(frozen=True)
class RelatedEntry:
    id: str
    name: str
    first_sentence: str
    text: str
    abbreviations: tuple[str, ...] = ()
    translations: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()


def first_sentence(paragraph: str) -> str:
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


def _split_other_names(names: str) -> tuple[str, ...]:
    parts = re.split(r",\s*(?:or\s+)?|\s+or\s+", names)
    return tuple(re.sub(r"^the\s+", "", p.strip()) for p in parts if p.strip())


def parse_entry(paragraph: str, title: str | None) -> RelatedEntry:
    sentence = first_sentence(paragraph)
    match = _SUBJECT.match(sentence)
    if match is None and title is None:
        raise ValueError(f"cannot find the subject of related entry: {sentence!r}")
    subject = match["subject"] if match else str(title)
    abbreviations: tuple[str, ...] = ()
    translations: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()
    if also := _ALSO_KNOWN.match(subject):
        subject, other_names = also["name"], _split_other_names(also["names"])
    if abbr := _ABBREVIATION.match(subject):
        subject, abbreviations = abbr["name"], (abbr["abbr"],)
    if tr := _TRANSLATION.match(subject):
        subject, translations = tr["name"], (tr["translation"],)
    return RelatedEntry(
        id=make_id(title or subject),
        name=subject,
        first_sentence=sentence,
        text=paragraph,
        abbreviations=abbreviations,
        translations=translations,
        other_names=other_names,
    )


def parse_related(lines: list[str]) -> list[RelatedEntry]:
    """Blocks are separated by blank lines; a ``<span>`` title line heads the next block."""
    blocks = [line.strip() for line in lines if line.strip()]
    entries: list[RelatedEntry] = []
    title: str | None = None
    for block in blocks:
        if span := _SPAN.match(block):
            title = span["title"].strip()
            continue
        entries.append(parse_entry(block, title))
        title = None
    return entries
