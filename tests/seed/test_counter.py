"""The revision counter and change seq: atomic under concurrent writers (real processes)."""

from __future__ import annotations

import multiprocessing

from app.core.db import create_db_engine
from app.provenance.changes import take_numbers

WRITERS = 4
WRITES = 25
CHANGES_PER_WRITE = 3


def _writer(url: str, queue: multiprocessing.Queue[list[tuple[int, int]]]) -> None:
    engine = create_db_engine(url)
    taken = []
    for _ in range(WRITES):
        with engine.begin() as conn:
            taken.append(take_numbers(conn, CHANGES_PER_WRITE))
    engine.dispose()
    queue.put(taken)


def test_concurrent_writers_never_share_a_revision_or_a_seq(migrated_url: str) -> None:
    engine = create_db_engine(migrated_url)
    with engine.begin() as conn:
        take_numbers(conn, 0)  # the first write creates the counter row
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[tuple[int, int]]] = context.Queue()
    writers = [context.Process(target=_writer, args=(migrated_url, queue)) for _ in range(WRITERS)]
    for process in writers:
        process.start()
    taken = [pair for _ in writers for pair in queue.get(timeout=120)]
    for process in writers:
        process.join(timeout=30)
        assert process.exitcode == 0
    total = WRITERS * WRITES
    assert sorted(revision for _, revision in taken) == list(range(2, total + 2))
    # Each write owns the seqs (last - 3, last]: no two writes overlap, none is skipped.
    assert sorted(last for last, _ in taken) == [CHANGES_PER_WRITE * n for n in range(1, total + 1)]
    # And the seq order is the commit order: a later revision always holds later seqs.
    by_revision = [last for last, _ in sorted(taken, key=lambda pair: pair[1])]
    assert by_revision == sorted(by_revision)
