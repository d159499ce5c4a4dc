"""Text helpers shared by ingest, seed and search: whitespace, slugs, scripts."""

from __future__ import annotations

import re
import unicodedata

from slugify import slugify

_WHITESPACE = re.compile(r"\s+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace (NBSP included) to one space and trim."""
    return _WHITESPACE.sub(" ", text).strip()


def make_id(name: str) -> str:
    """The stable URL-safe slug used as an entity id, derived from an English name.

    Apostrophes vanish rather than split words, so "People's Party" gives
    ``peoples-party`` and not ``people-s-party``.
    """
    slug = slugify(name, replacements=[["'", ""], ["’", ""], ["–", "-"]])
    if not slug:
        raise ValueError(f"cannot derive an id from {name!r}")
    return slug


def script_of(text: str) -> str:
    """``Cyrl`` when the text holds Cyrillic letters, otherwise ``Latn``."""
    return "Cyrl" if _CYRILLIC.search(text) else "Latn"


def fold_case_and_marks(text: str) -> str:
    """Lower-case and strip combining marks, for case- and diacritic-insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Every character str.isspace() counts, as a regular-expression class body: spelt out so
# that the expression means the same in every engine (``\s`` does not: ECMA and Python
# disagree on \x1c-\x1f), for patterns published in the OpenAPI schema.
SPACE_CLASS = (
    "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Some character that is not a space, anywhere.
NOT_BLANK = f"[^{SPACE_CLASS}]"
