"""The article cut into sentences, each with a stable index, for the coverage check.

An index names the part of the article and the position in it, so that an edit to
one paragraph does not renumber the rest: ``infobox-3`` (the third infobox line),
``lead-2-1`` (paragraph 2 of the lead, sentence 1), ``history-4-2``,
``policies-1-1``, ``notes-1`` (a bullet), ``related-12-3`` (the twelfth line of
"Related Research Articles", its third sentence) and ``references-5``.
Each sentence carries its span in ``Article.normalised``, so a quote can be placed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.text import normalise_whitespace
from app.ingest.article import HEADINGS, Article

# A sentence ends at . ! or ? (after an optional closing quote), followed by any
# reference markers, then a space and a capital letter, an opening quote or a tag.
_BOUNDARY = re.compile(r"[.!?][\"”»)]?(?:\s*\[(?:\d+|lower-alpha \d+)\])*(?=\s+[A-Z\"“«<])")
# Parts of the article that are prose (cut into sentences) and those whose every
# line is one unit.
_PROSE = {"lead": None, "History": "history", "Policies": "policies"}
_LINES = {"Notes": "notes", "Related Research Articles": "related", "References": "references"}


@dataclass(frozen=True)
class Sentence:
    index: str
    text: str
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph (whitespace normalised), markers kept with theirs."""
    text = normalise_whitespace(paragraph)
    out: list[str] = []
    begin = 0
    for match in _BOUNDARY.finditer(text):
        out.append(text[begin : match.end()].strip())
        begin = match.end()
    rest = text[begin:].strip()
    if rest:
        out.append(rest)
    return [s for s in out if s]


class _Locator:
    """Places successive pieces of text in the normalised article, left to right."""

    def __init__(self, article: Article) -> None:
        self.text = article.normalised
        self.cursor = 0

    def place(self, piece: str) -> tuple[int, int]:
        at = self.text.find(piece, self.cursor)
        if at < 0:
            raise ValueError(f"sentence not found in the article: {piece!r}")
        self.cursor = at + len(piece)
        return at, at + len(piece)


def _blocks(lines: list[str]) -> list[str]:
    """Non-blank lines, whitespace normalised (each line of the article is a paragraph)."""
    return [normalise_whitespace(line) for line in lines if line.strip()]


def article_sentences(article: Article) -> list[Sentence]:
    locator = _Locator(article)
    out: list[Sentence] = []

    def add(index: str, text: str) -> None:
        start, end = locator.place(text)
        out.append(Sentence(index, text, start, end))

    infobox = article.infobox()
    for n, line in enumerate(infobox, start=1):
        add(f"infobox-{n}", line)

    lines = article.lines
    after_infobox = lines.index(
        next(raw for raw in lines if normalise_whitespace(raw) == infobox[-1])
    )
    history_at = next(i for i, line in enumerate(lines) if line.strip() == "History")
    lead = [
        block for block in _blocks(lines[after_infobox + 1 : history_at]) if block not in HEADINGS
    ]
    _prose(add, "lead", lead)
    for heading, name in _PROSE.items():
        if name is not None:
            _prose(add, name, _blocks(article.section(heading)))
    for heading, name in _LINES.items():
        blocks = _blocks(article.section(heading))
        if name == "related":
            _prose(add, name, blocks)
        else:
            for n, block in enumerate(blocks, start=1):
                add(f"{name}-{n}", block)
    return out


def _prose(add: object, name: str, paragraphs: list[str]) -> None:
    assert callable(add)
    for p, paragraph in enumerate(paragraphs, start=1):
        for s, sentence in enumerate(split_sentences(paragraph), start=1):
            add(f"{name}-{p}-{s}", sentence)
