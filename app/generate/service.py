"""``kb generate``: a synthetic knowledge base for scale tests.

The real dataset is seeded first, so every benchmark URL answers as usual; then N
synthetic organisations, people, events and places are appended in batches, each
with names in Cyrillic and Latin (several aliases), memberships, relations,
participations, figures, citations and sources, and the derived search rows.
Everything comes from one ``random.Random(seed)``: the same seed and N give the
same database.

Synthetic facts cite synthetic references (``ref-100`` and up) with quotes that are
not from the article: such a database is for measuring, never for serving.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anyascii import anyascii
from sqlalchemy import Boolean, Connection, Engine, Index, insert, inspect, select, text
from sqlalchemy.orm import Session

from app.core.text import fold_case_and_marks
from app.generate import names as words
from app.models import Base, Citation
from app.provenance.changes import record_changes
from app.provenance.service import load_bodies
from app.search.index import reindex
from app.seed.loader import seed
from app.seed.rows import TABLE_ORDER

FIRST_SYNTHETIC_REFERENCE = 100
GENERATE_ACTOR = "generate"
# Insert order: parents before the rows that refer to them (no claims, statements or
# concepts here).
TABLES = tuple(t for t in TABLE_ORDER if t not in ("claim", "statement", "concept"))
# Entities per reindex and change-log step after the bulk load.
_INDEX_CHUNK = 2000


class GenerateError(Exception):
    """The target database cannot take a synthetic dataset."""


@dataclass
class Batch:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, **row: Any) -> None:
        self.rows[table].append(row)

    def count(self) -> int:
        return sum(len(r) for r in self.rows.values())


@dataclass
class GenerateReport:
    entities: int
    rows: dict[str, int]
    seconds: float


class Generator:
    """Produces batches of rows for entities ``start`` .. ``start + n``."""

    def __init__(self, seed_number: int, citations: int) -> None:
        self.random = random.Random(seed_number)
        self.citations = citations
        self.by_type: dict[str, list[str]] = {
            t: [] for t in ("organisation", "person", "event", "place")
        }
        self.fact = 0
        self.created_at = dt.datetime.now(dt.UTC)

    def _next(self, prefix: str) -> str:
        self.fact += 1
        return f"g{prefix}{self.fact}"

    def _source(self, batch: Batch, column: str, target: str, statement: str) -> None:
        batch.add(
            "source",
            id=self._next("sr"),
            citation_id=f"ref-{FIRST_SYNTHETIC_REFERENCE + self.random.randrange(self.citations)}",
            quote=f"Synthetic statement: {statement}.",
            **{column: target},
        )

    def _names(
        self,
        batch: Batch,
        entity_id: str,
        name: str,
        aliases: list[tuple[str, str, str]],
    ) -> None:
        for alias_name, lang, kind in aliases:
            alias_id = self._next("al")
            batch.add(
                "alias",
                id=alias_id,
                entity_id=entity_id,
                name=alias_name,
                name_key=fold_case_and_marks(alias_name),
                lang=lang,
                kind=kind,
                start_date=None,
                end_date=None,
            )
            self._source(batch, "alias_id", alias_id, f"{entity_id} is also named {alias_name}")

    def _entity(
        self, batch: Batch, entity_id: str, etype: str, name: str, description: str
    ) -> None:
        batch.add(
            "entity",
            id=entity_id,
            type=etype,
            name=name,
            description=description,
            version=1,
            updated_at=self.created_at,
        )
        self._source(batch, "entity_id", entity_id, description)

    def _pick(self, etype: str) -> str | None:
        pool = self.by_type[etype]
        return pool[self.random.randrange(len(pool))] if pool else None

    def _year(self) -> str:
        return str(self.random.randint(1986, 2024))

    def place(self, batch: Batch, index: int) -> None:
        cyrillic = self.random.choice(words.PLACE_HEADS) + self.random.choice(words.PLACE_TAILS)
        name = anyascii(cyrillic).capitalize()
        entity_id = f"{name.lower()}-{index}"
        self._entity(batch, entity_id, "place", name, f"a synthetic place named {name}")
        parent = self._pick("place") if self.random.random() < 0.7 else None
        batch.add("place", id=entity_id, classification="town", country="KZ", part_of_id=parent)
        self._names(batch, entity_id, name, [(cyrillic, "kk-Cyrl", "official")])
        self.by_type["place"].append(entity_id)

    def person(self, batch: Batch, index: int) -> None:
        given, surname = self.random.choice(words.GIVEN_NAMES), self.random.choice(words.SURNAMES)
        female = given.endswith(("а", "я", "ь", "т")) and self.random.random() < 0.5
        if female and surname.endswith(("ов", "ев", "ин")):
            surname += "а"
        cyrillic = f"{given} {surname}"
        latin = anyascii(cyrillic)
        entity_id = f"{latin.lower().replace(' ', '-').replace(chr(39), '')}-{index}"
        self._entity(batch, entity_id, "person", latin, f"a synthetic person, {latin}")
        variant = latin.replace("kh", "h").replace("zh", "j").replace("y", "i")
        aliases = [(cyrillic, "ru-Cyrl", "official"), (variant, "ru-Latn", "romanization")]
        batch.add("person", id=entity_id, birth_date=None, death_date=None)
        self._names(batch, entity_id, latin, aliases)
        organisation = self._pick("organisation")
        if organisation:
            membership = self._next("ms")
            start = self._year()
            batch.add(
                "membership",
                id=membership,
                person_id=entity_id,
                organisation_id=organisation,
                role=self.random.choice(words.ROLES),
                start_date=start,
                end_date=None,
            )
            self._source(batch, "membership_id", membership, f"{entity_id} joined {organisation}")
        self.by_type["person"].append(entity_id)

    def organisation(self, batch: Batch, index: int) -> None:
        (adj, adj_en), (noun, noun_en, gender) = (
            self.random.choice(words.ORG_ADJECTIVES),
            self.random.choice(words.ORG_NOUNS),
        )
        place = self._pick("place")
        place_name = place.rsplit("-", 1)[0].capitalize() if place else "Kazakhstan"
        english = f"{adj_en} {noun_en} of {place_name}"
        russian_adj = adj if adj.endswith(("ое", "ая", "ый")) else adj + words.ENDINGS[gender]
        russian = f"{russian_adj.capitalize()} {noun} {place_name}"
        initials = "".join(w[0] for w in english.replace("'", "").split() if w != "of").upper()
        entity_id = f"{english.lower().replace(' ', '-').replace(chr(39), '')}-{index}"
        self._entity(
            batch, entity_id, "organisation", english, f"a synthetic organisation, {english}"
        )
        founded = self._year()
        batch.add(
            "organisation",
            id=entity_id,
            classification=noun_en.lower(),
            founding_date=founded,
            dissolution_date=None,
            headquarters_id=place,
            website=None,
            political_position=None,
            colours=None,
        )
        aliases = [(russian, "ru-Cyrl", "official"), (initials, "en", "abbreviation")]
        self._names(batch, entity_id, english, aliases)
        other = self._pick("organisation")
        if other:
            relation = self._next("rl")
            batch.add(
                "relation",
                id=relation,
                subject_id=entity_id,
                relation=self.random.choice(words.VERBS),
                object_id=other,
                start_date=founded,
                end_date=None,
            )
            self._source(batch, "relation_id", relation, f"{entity_id} relates to {other}")
        self.by_type["organisation"].append(entity_id)

    def event(self, batch: Batch, index: int) -> None:
        russian_kind, english_kind = self.random.choice(words.EVENT_KINDS)
        place = self._pick("place")
        place_name = place.rsplit("-", 1)[0].capitalize() if place else "Kazakhstan"
        year = self._year()
        english = f"{english_kind} in {place_name} {year}"
        entity_id = f"{english.lower().replace(' ', '-')}-{index}"
        self._entity(batch, entity_id, "event", english, f"a synthetic event, {english}")
        self.by_type["event"].append(entity_id)
        start = f"{year}-{self.random.randint(1, 12):02d}"
        batch.add(
            "event",
            id=entity_id,
            classification=english_kind.lower(),
            start_date=start,
            end_date=None,
        )
        self._names(
            batch,
            entity_id,
            english,
            [(f"{russian_kind} в {place_name} {year}", "ru-Cyrl", "official")],
        )
        if place:
            event_place = self._next("ep")
            batch.add("event_place", id=event_place, event_id=entity_id, place_id=place)
            self._source(batch, "event_place_id", event_place, f"{entity_id} took place in {place}")
        for etype in ("organisation", "person"):
            participant = self._pick(etype)
            if participant:
                participation = self._next("pt")
                batch.add(
                    "participation",
                    id=participation,
                    event_id=entity_id,
                    entity_id=participant,
                    role=self.random.choice(words.PARTICIPATION_ROLES),
                )
                self._source(
                    batch, "participation_id", participation, f"{participant} in {entity_id}"
                )
        if self.random.random() < 0.3:
            figure = self._next("fg")
            batch.add(
                "event_figure",
                id=figure,
                event_id=entity_id,
                measure=self.random.choice(("people_arrested", "people_killed", "people_detained")),
                value=float(self.random.randint(1, 500)),
                qualifier=self.random.choice(("exactly", "more_than", "about")),
                unit=None,
            )
            self._source(batch, "event_figure_id", figure, f"figure of {entity_id}")

    def batches(self, count: int, size: int) -> Iterator[Batch]:
        # One in ten entities is a place, three organisations, two events, four people;
        # places and organisations lead so that the others have something to refer to.
        makers: list[Callable[[Batch, int], None]] = [
            self.place, self.organisation, self.organisation, self.event, self.person,
            self.organisation, self.person, self.event, self.person, self.person,
        ]  # fmt: skip
        batch = Batch()
        for index in range(count):
            makers[index % len(makers)](batch, index)
            if (index + 1) % size == 0:
                yield batch
                batch = Batch()
        if batch.count():
            yield batch


def _citations(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"ref-{FIRST_SYNTHETIC_REFERENCE + n}",
            "number": FIRST_SYNTHETIC_REFERENCE + n,
            "title": f"Synthetic reference {n}",
            "title_en": None,
            "language": "en",
            "publisher": "smk-kb generator",
            "author": None,
            "volume": None,
            "issue": None,
            "published_date": None,
            "retrieved_date": None,
            "archive_date": None,
            "url": None,
        }
        for n in range(count)
    ]


def _insert(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    target = Base.metadata.tables[table]
    columns = list(target.columns.keys())
    # Every row names every column (executemany and COPY need it); flags default to false.
    blank = {c.name: False if isinstance(c.type, Boolean) else None for c in target.columns}
    if conn.dialect.name == "postgresql":
        # COPY is several times faster than batched INSERTs on PostgreSQL.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                full = {**blank, **row}
                copy.write_row([full[c] for c in columns])
        return
    conn.execute(insert(target), [{**blank, **row} for row in rows])


def _drop_indexes(conn: Connection) -> list[Index]:
    """Drop the secondary indexes before a bulk load:
    building each index once, sorted, at the end is far cheaper than row by row."""
    existing = {
        index["name"]
        for table in TABLES
        for index in inspect(conn).get_indexes(table)
        if index["name"]
    }
    dropped = [
        index
        for table in TABLES
        for index in Base.metadata.tables[table].indexes
        if index.name in existing
    ]
    for index in dropped:
        conn.execute(text(f"DROP INDEX {index.name}"))
    if conn.dialect.name == "sqlite":
        for pragma in ("cache_size = -500000", "temp_store = MEMORY"):
            conn.execute(text(f"PRAGMA {pragma}"))
    return dropped


def _own_tables() -> str:
    """The knowledge base's tables, quoted, for ANALYZE or VACUUM: never a bare command,
    which would take the server's shared catalogs too."""
    return ", ".join(f'"{table}"' for table in Base.metadata.tables)


def _restore_indexes(conn: Connection, indexes: list[Index]) -> None:
    for index in indexes:
        index.create(conn)


def generate(
    engine: Engine,
    data_dir: Path,
    entities: int,
    seed_number: int = 1,
    batch_size: int = 20_000,
    progress: Callable[[str], None] = lambda _: None,
) -> GenerateReport:
    """Seed the real dataset, then append ``entities`` synthetic ones in batches."""
    started = time.perf_counter()
    with engine.connect() as conn:
        synthetic = conn.execute(
            select(Citation.id).where(Citation.number >= FIRST_SYNTHETIC_REFERENCE).limit(1)
        ).first()
    if synthetic is not None:
        raise GenerateError(
            "this database already holds synthetic data; generate into a new, empty database"
        )
    seed(engine, data_dir)
    citations = max(10, entities // 1000)
    generator = Generator(seed_number, citations)
    totals = dict.fromkeys(TABLES, 0)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        _insert(conn, "citation", _citations(citations))
        totals["citation"] = citations
        indexes = _drop_indexes(conn)
        done = 0
        for batch in generator.batches(entities, batch_size):
            for table in TABLES[1:]:
                _insert(conn, table, batch.rows[table])
                totals[table] += len(batch.rows[table])
            done += len(batch.rows["entity"])
            progress(f"{done} / {entities} entities, {time.perf_counter() - started:.0f}s")
        progress(f"building {len(indexes)} indexes")
        _restore_indexes(conn, indexes)
        if dialect == "postgresql":
            # Its own tables only: a bare ANALYZE also takes the shared catalogs, and
            # inside this long transaction it held them until the load committed,
            # stalling ANALYZE in every other database of the server meanwhile.
            conn.execute(text(f"ANALYZE {_own_tables()}"))
        made = [eid for ids in generator.by_type.values() for eid in ids]
        progress(f"search index and change log for {len(made)} entities")
        session = Session(bind=conn)
        for i in range(0, len(made), _INDEX_CHUNK):
            chunk = made[i : i + _INDEX_CHUNK]
            reindex(conn, chunk)
            record_changes(conn, {}, load_bodies(session, chunk), actor=GENERATE_ACTOR)
    if dialect == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    else:
        # Once committed: statistics for the tables filled after the ANALYZE above (the
        # search tables, the stored bodies), and a visibility map, without which
        # PostgreSQL can answer no count from an index alone (it read every entity to
        # count a type's list: 22 ms at 100k). VACUUM runs outside a transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            progress("vacuuming and analyzing")
            conn.execute(text(f"VACUUM (ANALYZE) {_own_tables()}"))
    return GenerateReport(entities, totals, time.perf_counter() - started)
