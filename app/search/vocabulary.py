"""What search holds in memory per dataset revision: every search name with its word
postings (``app.search.name_table``), and the words of descriptions, statements and
related names (``app.search.field_table``).

Fuzzy matching compares a query's words with these vocabularies in memory (rapidfuzz,
in C), not with every name: a vocabulary grows far slower than the number of names,
since names share their words. A word's spelling variants are remembered while the
vocabulary stays the same.

Everything is read once per process. At each new dataset revision the tables are
patched with the entities the change log says changed since (every write that
rewrites an entity's search rows also logs a change of it, in the same transaction);
they are read in full again when that is unknown or cheaper: another database at the
same URL (its first change differs), the search tables rebuilt (``search_index``
differs), or many entities changed (``kb generate``).
"""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Engine, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core.db import passing_read
from app.core.fast_read import CompiledStatement
from app.models import Change, DatasetRevision, SearchIndexState
from app.provenance.changes import REVISION_ROW_ID
from app.search.field_table import FieldTable, load_field_table
from app.search.field_table import patched as patch_fields
from app.search.freshness import STATE_ROW_ID
from app.search.name_table import NameTable, load_name_table
from app.search.name_table import patched as patch_names

logger = logging.getLogger(__name__)
SIMILAR_WORD = 75  # rapidfuzz ratio (0–100) for two words to count as spellings of one
MAX_VARIANTS = 20
# Remembered spelling lookups per revision: the words real queries repeat.
_REMEMBERED = 20_000
# Changed entities patched in; beyond this (and a twentieth of all), everything is read.
_PATCH_MOST = 1000
# Tables of at least this many names are frozen out of the garbage collector's passes.
_FROZEN_FROM = 50_000


@dataclass(frozen=True)
class Position:
    """Where a database's data stands, and what tells it from any other history at the
    same URL (another database, or the same one after a rollback in tests): the
    revision row as last written, the first change, the last change, and the build of
    the search tables."""

    stamp: tuple[int, Any]  # (revision, when the revision row was last written)
    seq: int
    first: tuple[Any, ...]
    last: tuple[Any, ...]
    built: tuple[Any, ...]


@dataclass(frozen=True)
class Vocabulary:
    position: Position
    names: NameTable
    fields: FieldTable
    _variants: dict[tuple[str, bool], list[str]] = field(default_factory=dict)

    @property
    def revision(self) -> int:
        return int(self.position.stamp[0])

    def frequency(self, word: str) -> int:
        """How many names hold ``word``."""
        return self.names.frequency(word)

    def variants(self, word: str) -> list[str]:
        """Name words spelled like ``word`` (itself first when present)."""
        return self._similar(word, names=True)

    def field_variants(self, word: str) -> list[str]:
        """Words of descriptions, statements and related names spelled like ``word``."""
        return self._similar(word, names=False)

    def field_frequency(self, word: str) -> int:
        """How many entities have ``word`` in a description, statement or related name."""
        return self.fields.frequency(word)

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
        stamp: tuple[int, Any] = seen[1]
    else:
        stamp = read_stamp(session)
        session.info["kb_revision"] = (transaction, stamp)
    cached = _cache.get(key)
    if cached is not None and cached.position.stamp == stamp:
        return cached
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.position.stamp == stamp:
            return cached
        position = read_position(session)
        if cached is not None and cached.position == position:
            return cached  # the revision read before this session's own write
        loaded = (_patched(session, cached, position) if cached is not None else None) or _loaded(
            session, position
        )
        _cache[key] = loaded
        return loaded


_STAMP = select(DatasetRevision.revision, DatasetRevision.updated_at).where(
    DatasetRevision.id == REVISION_ROW_ID
)


def read_stamp(session: Session) -> tuple[int, Any]:
    row = session.execute(_STAMP).first()
    return (int(row[0]), row[1]) if row is not None else (0, None)


class StampLookup:
    """``read_stamp`` as a DBAPI statement compiled once for a dialect, run on a driver
    connection (``app.core.fast_read``): what the search fast path reads per request
    to know whether the tables in memory are current. Through a session the same read
    cost 400-500 µs on SQLite, several times a search of a small knowledge base."""

    def __init__(self, dialect: Dialect) -> None:
        self._statement = CompiledStatement(_STAMP, dialect)
        # The value as the session returns it (SQLite stores the time as text).
        updated_at = DatasetRevision.__table__.c.updated_at.type.dialect_impl(dialect)
        self._updated_at = updated_at.result_processor(dialect, None)

    def run(self, dbapi_connection: Any) -> tuple[int, Any]:
        rows = self._statement.rows(dbapi_connection)
        if not rows:
            return (0, None)
        revision, updated_at = rows[0]
        return int(revision), self._updated_at(updated_at) if self._updated_at else updated_at


def current_vocabulary(engine: Engine, stamp: tuple[int, Any]) -> Vocabulary | None:
    """The tables in memory for the database at ``engine``'s URL if they are those of
    the revision ``stamp`` (as ``read_stamp`` reads it), else None: ``vocabulary(session)``
    brings them up to date."""
    cached = _cache.get(str(engine.url))
    return cached if cached is not None and cached.position.stamp == stamp else None


def _change(session: Session, seq: int | None = None) -> tuple[Any, ...]:
    """The change with this seq (the first one without), as (seq, at, entity)."""
    statement = select(Change.seq, Change.at, Change.entity_id)
    statement = (
        statement.order_by(Change.seq).limit(1)
        if seq is None
        else statement.where(Change.seq == seq)
    )
    return tuple(session.execute(statement).first() or ())


def read_position(session: Session) -> Position:
    row = session.execute(
        select(DatasetRevision.revision, DatasetRevision.updated_at, DatasetRevision.seq).where(
            DatasetRevision.id == REVISION_ROW_ID
        )
    ).first()
    revision, updated_at, seq = (int(row[0]), row[1], int(row[2] or 0)) if row else (0, None, 0)
    built = session.execute(
        select(SearchIndexState.version, SearchIndexState.updated_at).where(
            SearchIndexState.id == STATE_ROW_ID
        )
    ).first()
    return Position(
        (revision, updated_at), seq, _change(session), _change(session, seq), tuple(built or ())
    )


def _loaded(session: Session, position: Position) -> Vocabulary:
    with passing_read(session):
        names = load_name_table(session)
        loaded = Vocabulary(position, names, load_field_table(session, names))
    if len(names) >= _FROZEN_FROM:
        # Out of the collector's sight (like everything loaded at start-up, app.main):
        # the tables hold no cycles, so reference counting frees an old revision's,
        # and full collections walking them stalled one search in a hundred by up
        # to 80 ms at 100,000 entities. Collected first so no garbage is frozen.
        gc.collect()
        gc.freeze()
    return loaded


def _patched(session: Session, cached: Vocabulary, position: Position) -> Vocabulary | None:
    """``cached`` brought to ``position`` with the entities changed since, or None when
    it must be read in full."""
    was = cached.position
    if (position.first, position.built) != (was.first, was.built) or position.seq < was.seq:
        return None
    last = position.last if position.seq == was.seq else _change(session, was.seq)
    if last != was.last:
        return None  # the history it was built from is gone (rolled back in a test)
    changed = set(
        session.execute(
            select(Change.entity_id)
            .where(Change.seq > was.seq, Change.seq <= position.seq)
            .distinct()
        ).scalars()
    )
    names = cached.names
    if len(changed) > max(_PATCH_MOST, len(names.entity_ids) // 20):
        return None
    if changed:
        names = patch_names(names, session, changed)
        if names.dead > len(names) // 4:  # the columns are mostly replaced names
            return None
    fields = patch_fields(cached.fields, session, names, changed) if changed else cached.fields
    same_words = names.ordered == cached.names.ordered and fields.words == cached.fields.words
    return Vocabulary(position, names, fields, cached._variants if same_words else {})


def warm_vocabulary(engine: Engine) -> None:
    """Load the search tables now; if that fails (a database not migrated yet, or
    unavailable), the first search loads them."""
    try:
        with Session(engine) as session:
            vocabulary(session)
    except SQLAlchemyError as exc:
        logger.warning("search tables not loaded at start-up: %s", str(exc).splitlines()[0])
