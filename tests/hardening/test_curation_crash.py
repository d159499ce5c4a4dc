"""A write acknowledged is a write kept: SIGKILL of ``kb serve --workers 2`` (the whole
process group: no shutdown, no flush) in the middle of a stream of writes loses none
that got a 2xx, keeps nothing else but the one write in flight, and ``Idempotency-Key``
makes retrying that write safe whichever way it went.

One client adds aliases to a person, one POST at a time, each with its own name and
``Idempotency-Key``. After a random number of acknowledged writes the test kills the
server's process group, restarts ``kb serve`` on the same database and compares what
is stored with what was acknowledged. The kill lands at a random moment of the next
write (which then is almost never committed) or, every other round, the moment the
test sees the next write's commit in the database, before the client has its answer
(so the retry must be a replay). Three rounds, then the database's own checks:
SQLite's integrity and foreign key checks, on both engines every foreign key checked
by a query (so a row whose referent is gone shows even where the database would not
stop it), and the change log (``seq`` unique and the revision's, each entity's
versions 1..n in ``seq`` order, each live entity at its last logged version).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import and_, create_engine, exists, func, not_, select, text
from sqlalchemy.pool import NullPool

from app.core.db import create_db_engine
from app.models import Base
from tests.conftest import DatabaseFactory
from tests.hardening.curation_helpers import (
    ARTICLE_SOURCE,
    WRITE_ENV,
    KillableServer,
    bearer,
    changes_since,
    create_key,
    database_state,
    seeded_database,
)

pytestmark = pytest.mark.slow

ROUNDS = 3  # odd rounds kill at a random moment, even ones just after a commit
ACKED_BEFORE_KILL = (5, 40)  # the kill comes after a random number of acknowledged writes
# Then a random pause up to about one write's time: the kill lands anywhere in it.
KILL_WITHIN = 0.06
ACTOR = "crash-writer"


def alias_body(name: str) -> dict[str, Any]:
    return {"name": name, "lang": "en", "kind": "other", "sources": [ARTICLE_SOURCE]}


@dataclass
class Stream:
    """One round's writes, as the client saw them."""

    round: int
    acked: dict[str, str] = field(default_factory=dict)  # alias name -> Idempotency-Key
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> 201 body
    in_flight: tuple[str, str] | None = None  # sent, never answered: (name, key)
    refused: list[str] = field(default_factory=list)  # answers that were not 2xx

    def write_until_killed(self, base: str, path: str, key: str, stop: threading.Event) -> None:
        with httpx.Client(base_url=base, headers=bearer(key), timeout=30) as client:
            number = 0
            while not stop.is_set():
                number += 1
                name = f"Crash Alias {self.round}-{number}"
                idempotency_key = f"crash-{self.round}-{number}"
                self.in_flight = (name, idempotency_key)
                try:
                    answer = client.post(
                        path,
                        json=alias_body(name),
                        headers={"Idempotency-Key": idempotency_key},
                    )
                except httpx.TransportError:
                    return  # the server is gone: this write is the one in flight
                if not answer.is_success:
                    self.refused.append(f"{answer.status_code} {answer.text}")
                    return
                self.acked[name] = idempotency_key
                self.answers[name] = answer.json()
                self.in_flight = None


class Committed:
    """How many changes were committed since it was made, read straight from the
    database on one connection: the test sees a commit before the client does."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.conn = self.engine.connect()
        self.start = self._seq()

    def _seq(self) -> int:
        return int(self.conn.exec_driver_sql("SELECT seq FROM dataset_revision").scalar_one())

    def __call__(self) -> int:
        return self._seq() - self.start

    def __enter__(self) -> Committed:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()
        self.engine.dispose()


def alias_names(client: httpx.Client, person: str) -> list[str]:
    response = client.get(f"/v1/people/{person}")
    assert response.status_code == 200, response.text
    return [alias["name"] for alias in response.json()["aliases"]]


def integrity_problems(url: str) -> list[str]:
    """What is wrong with the database, by its own checks and by queries over every
    foreign key and the change log; empty when nothing is."""
    problems: list[str] = []
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                checked = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                if checked != ["ok"]:
                    problems.append(f"PRAGMA integrity_check: {checked}")
                orphans = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if orphans:
                    problems.append(f"PRAGMA foreign_key_check: {orphans[:10]}")
            for table in Base.metadata.sorted_tables:
                for constraint in table.foreign_key_constraints:
                    parent = constraint.referred_table
                    referent = parent.alias("referent")  # a table may refer to itself
                    pairs = [(e.parent, referent.c[e.column.name]) for e in constraint.elements]
                    dangling = select(func.count()).where(
                        and_(*(child.is_not(None) for child, _ in pairs)),
                        not_(exists().where(and_(*(child == column for child, column in pairs)))),
                    )
                    count = conn.execute(dangling.select_from(table)).scalar_one()
                    if count:
                        problems.append(f"{count} {table.name} rows name a missing {parent.name}")
            log = conn.execute(
                text("SELECT seq, entity_id, version, op FROM change ORDER BY seq")
            ).all()
            seqs = [row.seq for row in log]
            if len(set(seqs)) != len(seqs):
                problems.append("a change seq repeats")
            last_seq = conn.execute(text("SELECT seq FROM dataset_revision")).scalar_one()
            if seqs and seqs[-1] != last_seq:
                problems.append(f"the last change is {seqs[-1]}, the revision says {last_seq}")
            versions: dict[str, list[int]] = {}
            for row in log:
                versions.setdefault(row.entity_id, []).append(row.version)
            for entity, seen in versions.items():
                if seen != list(range(1, len(seen) + 1)):
                    problems.append(f"{entity}: versions in seq order are {seen}")
            for entity, version in conn.execute(text("SELECT id, version FROM entity")):
                if versions.get(entity, [0])[-1] != version:
                    problems.append(f"{entity} is at v{version}, its log at {versions.get(entity)}")
    finally:
        engine.dispose()
    return problems


def test_acknowledged_writes_survive_sigkill_and_the_one_in_flight_retries_once(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = databases.new_url()
    seeded_database(url)
    key = create_key(url, ACTOR, "write")
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    log = tmp_path / "serve.log"
    args = ("--workers", "2")

    server = KillableServer(url, log, *args, **WRITE_ENV)
    try:
        created = server.client.post(
            "/v1/people",
            json={"name": "Crash Test Subject", "sources": [ARTICLE_SOURCE]},
            headers=bearer(key),
        )
        assert created.status_code == 201, created.text
        person = created.json()["id"]
        path = f"/v1/people/{person}/aliases"
        _, since = database_state(url)
        kept: list[str] = []  # every alias that must be there, in the order written
        report = [f"random seed {seed}"]

        for number in range(1, ROUNDS + 1):
            stream = Stream(number)
            target = rng.randint(*ACKED_BEFORE_KILL)
            stop = threading.Event()
            writer = threading.Thread(
                target=stream.write_until_killed, args=(server.base, path, key, stop)
            )
            just_after_commit = number % 2 == 0
            with Committed(url) as committed:
                started = time.monotonic()
                writer.start()
                while len(stream.acked) < target and writer.is_alive():
                    time.sleep(0.001)
                if just_after_commit:
                    # The moment the next write commits, before its answer is read.
                    while writer.is_alive() and committed() <= len(stream.acked):
                        pass
                else:
                    time.sleep(rng.uniform(0, KILL_WITHIN))  # anywhere in the next write
                server.kill()
            stop.set()
            writer.join(30)
            writing = time.monotonic() - started
            assert not writer.is_alive()
            assert stream.refused == [], stream.refused
            assert len(stream.acked) >= target

            restarted = time.monotonic()
            server = KillableServer(url, log, *args, **WRITE_ENV)
            restart = time.monotonic() - restarted
            names = alias_names(server.client, person)

            # Every acknowledged write is there; nothing else but the one in flight.
            assert len(names) == len(set(names)), names
            assert set(kept) | set(stream.acked) <= set(names)
            extra = set(names) - set(kept) - set(stream.acked)
            assert stream.in_flight is not None
            in_flight_name, in_flight_key = stream.in_flight
            assert extra <= {in_flight_name}, extra
            in_flight_kept = in_flight_name in extra

            # The retry of the write in flight: replayed if it was kept, made if not.
            retried = server.client.post(
                path,
                json=alias_body(in_flight_name),
                headers={**bearer(key), "Idempotency-Key": in_flight_key},
            )
            assert retried.status_code == 201, retried.text
            replayed = retried.headers.get("idempotent-replayed") == "true"
            assert replayed == in_flight_kept, (in_flight_kept, retried.headers)

            # The retry of an acknowledged write: its first answer again, nothing new.
            name, idempotency_key = rng.choice(sorted(stream.acked.items()))
            again = server.client.post(
                path,
                json=alias_body(name),
                headers={**bearer(key), "Idempotency-Key": idempotency_key},
            )
            assert again.status_code == 201, again.text
            assert again.headers["idempotent-replayed"] == "true"
            assert again.json() == stream.answers[name]

            kept += [*stream.acked, in_flight_name]
            names = alias_names(server.client, person)
            assert sorted(names) == sorted(kept), set(names) ^ set(kept)
            report.append(
                f"round {number}: killed "
                f"{'just after a commit' if just_after_commit else 'at a random moment'} "
                f"after {len(stream.acked)} acknowledged writes "
                f"(target {target}) in {writing:.2f} s; write in flight "
                f"{'committed (retry replayed)' if in_flight_kept else 'lost (retry wrote it)'}; "
                f"restart {restart:.1f} s"
            )

        # The change log agrees: one update per alias, by this key, versions gapless.
        changes = [c for c in changes_since(server.client, since) if c["entity"] == person]
        assert [c["op"] for c in changes] == ["update"] * len(kept)
        assert {c["actor"] for c in changes} == {ACTOR}
        first = created.json()["version"]
        assert [c["version"] for c in changes] == list(range(first + 1, first + len(kept) + 1))
    finally:
        server.stop()

    assert "Traceback" not in server.output(), server.output()[-5000:]
    checked = time.monotonic()
    problems = integrity_problems(url)
    report.append(f"integrity checks {time.monotonic() - checked:.1f} s")
    print("\n" + "\n".join(report))
    assert problems == []
