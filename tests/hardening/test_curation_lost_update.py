"""No update is lost: 16 clients, each doing 50 read-modify-write increments of one
counter through a real ``kb serve --workers 2``, with ``If-Match`` and a retry on 412.

The counter is the ``description`` of a person made for the test (``count: N``). A
client reads the person (its ETag and N), sends ``description: count: N+1`` with
``If-Match``, and on 412 reads again and retries, after a random pause that doubles
with each conflict in a row (full jitter). If two writers could both apply a change
read at the same version, one increment would vanish: the counter would end below
800, or the change log would show a version twice or skip one.

The response cache is on (as in production) with a short revision check, so a worker
may still answer a read with a version another worker has replaced: the 412 and the
retry are how a client gets past that.
"""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.hardening.curation_helpers import (
    ARTICLE_SOURCE,
    MERGE_PATCH,
    WRITE_ENV,
    bearer,
    changes_since,
    create_key,
    database_state,
    seeded_database,
)
from tests.servers import serving

pytestmark = pytest.mark.slow

CLIENTS = 16
INCREMENTS = 50
BACKOFF_BASE = 0.05  # seconds: the first pause after a 412 is up to twice this
BACKOFF_CAP = 1.0  # seconds: pauses never grow past this
ACTOR = "counter-writer"


@dataclass
class Tally:
    """What one client did."""

    reads: int = 0
    attempts: int = 0
    conflicts: int = 0
    longest_conflict_run: int = 0
    # (version the PATCH answered with, counter value written)
    written: list[tuple[int, int]] = field(default_factory=list)


def count_of(body: dict[str, object]) -> int:
    description = str(body["description"])
    assert description.startswith("count: "), description
    return int(description.removeprefix("count: "))


def version_of(etag: str) -> int:
    return int(etag.strip('"').rsplit(".v", 1)[1])


def test_concurrent_read_modify_write_loses_no_update(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = databases.new_url()
    seeded_database(url)
    key = create_key(url, ACTOR, "write")
    env = {**WRITE_ENV, "KB_CACHE_ENABLED": "true", "KB_REVISION_CHECK_INTERVAL": "0.05"}
    with serving(url, tmp_path / "serve.log", "--workers", "2", **env) as server:
        auth = bearer(key)
        created = server.client.post(
            "/v1/people",
            json={
                "name": "Lost Update Counter",
                "description": "count: 0",
                "sources": [ARTICLE_SOURCE],
            },
            headers=auth,
        )
        assert created.status_code == 201, created.text
        person = created.json()["id"]
        first_version = created.json()["version"]
        path = f"/v1/people/{person}"
        _, since = database_state(url)

        start = threading.Barrier(CLIENTS, timeout=60)
        failed = threading.Event()

        def increment(index: int) -> Tally:
            tally = Tally()
            rng = random.Random(index)
            run = 0
            with httpx.Client(base_url=server.base, headers=auth, timeout=60) as client:
                start.wait()
                try:
                    while len(tally.written) < INCREMENTS and not failed.is_set():
                        read = client.get(path)
                        tally.reads += 1
                        assert read.status_code == 200, read.text
                        count, etag = count_of(read.json()), read.headers["etag"]
                        tally.attempts += 1
                        answer = client.patch(
                            path,
                            content=json.dumps({"description": f"count: {count + 1}"}),
                            headers={"If-Match": etag, "Content-Type": MERGE_PATCH},
                        )
                        if answer.status_code == 412:
                            problem = answer.json()
                            assert answer.headers["content-type"] == "application/problem+json"
                            assert problem["current_etag"] == answer.headers["etag"]
                            # A conflict means someone else wrote since that read.
                            assert version_of(problem["current_etag"]) > version_of(etag), (
                                etag,
                                problem,
                            )
                            tally.conflicts += 1
                            run += 1
                            tally.longest_conflict_run = max(tally.longest_conflict_run, run)
                            time.sleep(rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**run)))
                            continue
                        assert answer.status_code == 200, (answer.status_code, answer.text)
                        run = 0
                        body = answer.json()
                        assert count_of(body) == count + 1, body
                        assert body["version"] == version_of(etag) + 1, (etag, body["version"])
                        assert answer.headers["etag"] == f'"{person}.v{body["version"]}"'
                        tally.written.append((body["version"], count + 1))
                except BaseException:
                    failed.set()
                    raise
            return tally

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            tallies = list(pool.map(increment, range(CLIENTS)))
        seconds = time.monotonic() - started

        time.sleep(0.2)  # a few revision checks: every worker's cache has seen the last write
        final = server.client.get(path)
        changes = changes_since(server.client, since)
        log = server.output()

    attempts = sum(t.attempts for t in tallies)
    conflicts = sum(t.conflicts for t in tallies)
    total = CLIENTS * INCREMENTS
    print(
        f"\n{CLIENTS} clients x {INCREMENTS} increments: {seconds:.1f} s, "
        f"{total / seconds:.0f} increments/s; {attempts} PATCHes, {conflicts} got 412 "
        f"({conflicts / attempts:.0%}); {sum(t.reads for t in tallies)} GETs; longest run "
        f"of 412s for one client: {max(t.longest_conflict_run for t in tallies)}"
    )
    assert "Traceback" not in log, log[-5000:]

    # Every increment acknowledged is one version, each version acknowledged once.
    written = sorted(w for t in tallies for w in t.written)
    assert len(written) == total
    assert [v for v, _ in written] == list(range(first_version + 1, first_version + total + 1))
    assert all(value == version - first_version for version, value in written)

    assert final.status_code == 200
    assert count_of(final.json()) == total
    assert final.json()["version"] == first_version + total

    # The change log: exactly one update per increment, by this key, versions gapless.
    assert [c["seq"] for c in changes] == sorted({c["seq"] for c in changes})
    assert {(c["entity"], c["op"], c["actor"]) for c in changes} == {(person, "update", ACTOR)}
    assert len(changes) == total
    assert [c["version"] for c in changes] == list(
        range(first_version + 1, first_version + total + 1)
    )
    assert attempts == total + conflicts
