"""The numbered References list, one citation a line."""

from __future__ import annotations

import datetime as dt
import re

from app.core.text import normalise_whitespace
from app.rules.records import CitationRecord

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE_TEXT = (
    rf"(?:\d{{1,2}} (?:{_MONTHS}) \d{{4}}|(?:{_MONTHS}) \d{{1,2}}, \d{{4}}|(?:{_MONTHS}) \d{{4}})"
)
_LINE = re.compile(r"^\s*(?P<number>\d+)\.\s+(?:(?:\d+ )+(?=\"))?(?P<body>.+)$")
_TITLE = re.compile(r"\"(?P<title>[^\"]+)\"")
_ARCHIVED_INLINE = re.compile(rf"\s*Archived (?P<date>{DATE_TEXT}) at the Wayback Machine\s*")
_ARCHIVED = re.compile(rf"Archived from the original on (?P<date>{DATE_TEXT})\.?")
_RETRIEVED = re.compile(rf"Retrieved (?P<date>{DATE_TEXT})\.?")
_LANGUAGE = re.compile(r"\(in (?P<language>[A-Z][a-z]+)\)")
_VOLUME = re.compile(r"Vol\. (?P<volume>[^,]+), no\. (?P<issue>[^.]+)\.")
_DATE = re.compile(DATE_TEXT)

LANGUAGE_TAGS = {"English": "en", "Russian": "ru", "Kazakh": "kk"}


def parse_date_text(text: str) -> str:
    """``23 May 2002`` -> ``2002-05-23``; ``May 2019`` -> ``2019-05`` (precision kept)."""
    for fmt, out in (("%d %B %Y", "%Y-%m-%d"), ("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return dt.datetime.strptime(text, fmt).strftime(out)
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def parse_reference(line: str) -> CitationRecord:
    match = _LINE.match(line)
    if not match:
        raise ValueError(f"not a numbered reference: {line!r}")
    number, body = int(match["number"]), normalise_whitespace(match["body"])
    title_match = _TITLE.search(body)
    if not title_match:
        raise ValueError(f"reference {number} has no quoted title: {line!r}")
    author = body[: title_match.start()].strip().rstrip(",").strip() or None
    title = title_match["title"]
    archive_date: str | None = None
    inline = _ARCHIVED_INLINE.search(title)
    if inline:
        archive_date = parse_date_text(inline["date"])
        title = _ARCHIVED_INLINE.sub("", title)
    rest = body[title_match.end() :]

    language = "English"
    if lang := _LANGUAGE.search(rest):
        language = lang["language"]
        rest = _LANGUAGE.sub("", rest)
    if archived := _ARCHIVED.search(rest):
        archive_date = parse_date_text(archived["date"])
        rest = _ARCHIVED.sub("", rest)
    retrieved_date = None
    if retrieved := _RETRIEVED.search(rest):
        retrieved_date = parse_date_text(retrieved["date"])
        rest = _RETRIEVED.sub("", rest)
    volume = issue = None
    if vol := _VOLUME.search(rest):
        volume, issue = vol["volume"].strip(), vol["issue"].strip()
        rest = _VOLUME.sub("", rest)
    published_date = None
    if date := _DATE.search(rest):
        published_date = parse_date_text(date.group(0))
        rest = rest[: date.start()] + rest[date.end() :]
    publisher = re.sub(r"\s+", " ", rest).strip(" .") or None
    return CitationRecord(
        id=f"ref-{number}",
        number=number,
        title=title.strip(),
        language=LANGUAGE_TAGS.get(language, language),
        publisher=publisher,
        author=author,
        volume=volume,
        issue=issue,
        published_date=published_date,
        retrieved_date=retrieved_date,
        archive_date=archive_date,
    )


def parse_references(lines: list[str]) -> list[CitationRecord]:
    return [parse_reference(line) for line in lines if line.strip()]
