"""What search holds in memory per dataset revision: every search name with its word
postings (``app.search.name_table``), and the distinct words of descriptions,
statements and related names (``search_word``), with how many entities have each.

Fuzzy matching compares a query's words with these vocabularies in memory (rapidfuzz,
in C), not with every name: a vocabulary grows far slower than the number of names,
since names share their words. Everything is read once per process and dataset
revision and then reused; a word's spelling variants are remembered for the revision.
"""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.provenance.changes import current_revision
from app.search.field_table import FieldTable, load_field_table
from app.search.name_table import NameTable, load_name_table

logger = logging.getLogger(__name__)
SIMILAR_WORD = 75  # rapidfuzz ratio (0–100) for two words to count as spellings of one
MAX_VARIANTS = 20
# Remembered spelling lookups per revision: the words real queries repeat.
_REMEMBERED = 20_000
# Tables of at least this many names are frozen out of the garbage collector's passes.
_FROZEN_FROM = 50_000


@dataclass(frozen=True)
class Vocabulary:
    revision: int
    names: NameTable
    fields: FieldTable
    _variants: dict[tuple[str, bool], list[str]] = field(default_factory=dict)

    def frequency(self, word: str) -> int:
        """How many names hold ``word``."""
        return self.names.frequency(word)

    def prefix_count(self, prefix: str) -> int:
        """How many (name, word) pairs have a word starting with ``prefix``."""
        return self.names.prefix_count(prefix)

    def variants(self, word: str) -> list[str]:
        """Name words spelled like ``word`` (itself first when present)."""
        return self._similar(word, names=True)

    def field_variants(self, word: str) -> list[str]:
        """Words of descriptions, statements and related names spelled like ``word``."""
        return self._similar(word, names=False)

    def field_frequency(self, word: str) -> int:
        """How many entities have ``word`` in a description, statement or related name."""
        return self.fields.frequency.get(word, 0)

    def _similar(self, word: str, *, names: bool) -> list[str]:
        known = self._variants.get((word, names))
        if known is None:
            known = _similar(word, self.names.ordered if names else self.fields.words)
            if len(self._variants) >= _REMEMBERED:
                self._variants.clear()
            self._variants[word, names] = known
        return known


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
        names = load_name_table(session)
        loaded = Vocabulary(revision, names, load_field_table(session, names))
        _cache[key] = loaded
        if len(names) >= _FROZEN_FROM:
            # Out of the collector's sight (like everything loaded at start-up, app.main):
            # the tables hold no cycles, so reference counting frees an old revision's,
            # and full collections walking them stalled one search in a hundred by up
            # to 80 ms at 100,000 entities. Collected first so no garbage is frozen.
            gc.collect()
            gc.freeze()
        return loaded


def warm_vocabulary(engine: Engine) -> None:
    """Load the vocabulary now; a database without the tables yet is left alone."""
    try:
        with Session(engine) as session:
            vocabulary(session)
    except SQLAlchemyError:
        logger.warning("search vocabulary not loaded: the database is not migrated yet")
