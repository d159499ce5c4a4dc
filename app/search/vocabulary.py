"""The distinct words of every search name, with how many names use each, and the
distinct words of descriptions, statements and related names (``search_word``), with
how many entities have each.

Fuzzy matching compares a query's words with this vocabulary in memory (rapidfuzz,
in C), not with every name: the vocabulary grows far slower than the number of
names, since names share their words. It is read once per process and dataset
revision (one GROUP BY over each indexed token column) and then reused.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import threading
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import SearchToken, SearchWord
from app.provenance.changes import current_revision

logger = logging.getLogger(__name__)
SIMILAR_WORD = 75  # rapidfuzz ratio (0–100) for two words to count as spellings of one
MAX_VARIANTS = 20
# One past 'z' in code-point order: [p, p + "{") holds every word starting with p.
PAST_PREFIX = "{"


@dataclass(frozen=True)
class Vocabulary:
    revision: int
    words: list[str]
    frequency: dict[str, int]
    field_words: list[str] = field(default_factory=list)
    field_frequency: dict[str, int] = field(default_factory=dict)
    # The name words in order, and how many names use the words before each: how many
    # names have a word starting with a prefix is two bisections, with no query.
    ordered: list[str] = field(default_factory=list)
    running: list[int] = field(default_factory=list)

    def prefix_count(self, prefix: str) -> int:
        """How many (name, word) pairs have a word starting with ``prefix``."""
        start = bisect.bisect_left(self.ordered, prefix)
        end = bisect.bisect_left(self.ordered, prefix + PAST_PREFIX, lo=start)
        return self.running[end] - self.running[start]

    def variants(self, word: str) -> list[str]:
        """Name words spelled like ``word`` (itself first when present)."""
        return _similar(word, self.words)

    def field_variants(self, word: str) -> list[str]:
        """Words of descriptions, statements and related names spelled like ``word``."""
        return _similar(word, self.field_words)


def _similar(word: str, words: list[str]) -> list[str]:
    found = process.extract(
        word, words, scorer=fuzz.ratio, score_cutoff=SIMILAR_WORD, limit=MAX_VARIANTS
    )
    return [match for match, _score, _index in found]


_lock = threading.Lock()
_cache: dict[str, Vocabulary] = {}


def vocabulary(session: Session) -> Vocabulary:
    connection = session.connection()
    key = str(connection.engine.url)
    # Read once per session (a request; a reconciliation batch asks for it dozens of
    # times) and per transaction: a session that commits a write sees the new revision.
    transaction = session.get_transaction()
    seen = session.info.get("kb_revision")
    if seen is not None and seen[0] is transaction:
        revision: int = seen[1]
    else:
        revision = current_revision(connection)
        session.info["kb_revision"] = (transaction, revision)
    cached = _cache.get(key)
    if cached is not None and cached.revision == revision:
        return cached
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.revision == revision:
            return cached
        rows = session.execute(
            select(SearchToken.token, func.count()).group_by(SearchToken.token)
        ).all()
        fields = session.execute(
            select(SearchWord.token, func.count()).group_by(SearchWord.token)
        ).all()
        frequency = {r[0]: int(r[1]) for r in rows}
        ordered = sorted(frequency)
        loaded = Vocabulary(
            revision,
            [r[0] for r in rows],
            frequency,
            [r[0] for r in fields],
            {r[0]: int(r[1]) for r in fields},
            ordered,
            list(itertools.accumulate((frequency[w] for w in ordered), initial=0)),
        )
        _cache[key] = loaded
        return loaded


def warm_vocabulary(engine: Engine) -> None:
    """Load the vocabulary now; a database without the tables yet is left alone."""
    try:
        with Session(engine) as session:
            vocabulary(session)
    except SQLAlchemyError:
        logger.warning("search vocabulary not loaded: the database is not migrated yet")
