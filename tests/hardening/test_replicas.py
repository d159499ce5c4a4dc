"""Two replicas, one database: two ``kb serve`` processes on two ports share one
PostgreSQL database (or one SQLite file in WAL mode), each with its response cache on,
as replicas behind a load balancer run.

Each replica keeps its own cache of response bytes, tagged with the dataset revision,
and re-reads the revision every ``KB_REVISION_CHECK_INTERVAL`` seconds. What a client
can count on, whichever replica answers:

* both replicas answer a read with the same bytes and the same ETag: an ETag names an
  entity version, not a process;
* a write through one replica is visible there at once, and on the other within the
  interval (plus the time of a request); from then on the other never answers from
  before the write, on any path: the entity, a list page, search, its history, the
  change log;
* ``If-Match`` is checked against the database, never a cache: an ETag that is stale
  gets 412 through either replica, so writes alternating between replicas lose
  nothing, and the versions in the change log follow each other without a gap;
* ``If-None-Match`` with the new ETag gets 304 from the other replica once it has
  caught up.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import DatabaseFactory
from tests.hardening.curation_helpers import (
    MERGE_PATCH,
    WRITE_ENV,
    bearer,
    changes_since,
    create_key,
)
from tests.servers import Server, serving

pytestmark = pytest.mark.slow

INTERVAL = 0.5  # KB_REVISION_CHECK_INTERVAL of both replicas, seconds
MARGIN = 1.0  # seconds a request and a slow revision check may add to the interval
POLL_EVERY = 0.005  # seconds between two reads while waiting for a replica
WRITER = "replica-writer"


@dataclass
class Replicas:
    a: Server
    b: Server
    auth: dict[str, str]
    engine: str

    def other(self, replica: Server) -> Server:
        return self.b if replica is self.a else self.a


@pytest.fixture(scope="module")
def replicas(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    """Replica A and replica B: one seeded database, two servers, caches on."""
    url = databases.new_seeded_url()
    key = create_key(url, WRITER, "write")
    logs = tmp_path_factory.mktemp("replicas")
    env = {**WRITE_ENV, "KB_CACHE_ENABLED": "true", "KB_REVISION_CHECK_INTERVAL": str(INTERVAL)}
    engine = "PostgreSQL" if databases.is_postgresql else "SQLite"
    with serving(url, logs / "a.log", **env) as a, serving(url, logs / "b.log", **env) as b:
        yield Replicas(a, b, bearer(key), engine)
        outputs = a.output() + b.output()
    assert "Traceback" not in outputs, outputs[-5000:]


def etag(response: httpx.Response) -> str:
    return response.headers["etag"]


def version_of(tag: str) -> int:
    return int(tag.strip('"').rsplit(".v", 1)[1])


def cache_stats(replica: Server) -> dict[str, int]:
    """The replica's response cache, as ``/ready`` reports it (one worker: all of it)."""
    ready = replica.client.get("/ready")
    assert ready.status_code == 200, ready.text
    stats: dict[str, int] = ready.json()["cache"]
    return stats


def read_twice(replica: Server, path: str) -> httpx.Response:
    """Read ``path`` twice and check that the second answer came from the cache."""
    first = replica.client.get(path)
    assert first.status_code == 200, first.text
    before = cache_stats(replica)
    second = replica.client.get(path)
    after = cache_stats(replica)
    assert second.status_code == 200, second.text
    assert (after["hits"], after["misses"]) == (before["hits"] + 1, before["misses"]), (
        f"the second read of {path} was not answered from the cache: {before} -> {after}"
    )
    assert second.content == first.content
    return second


def patch_description(
    replicas: Replicas, replica: Server, path: str, if_match: str, description: str
) -> httpx.Response:
    return replica.client.patch(
        path,
        content=json.dumps({"description": description}),
        headers={**replicas.auth, "If-Match": if_match, "Content-Type": MERGE_PATCH},
    )


@dataclass
class CaughtUp:
    """The first answer of a replica that shows a write, and what came before it."""

    response: httpx.Response
    seconds: float
    stale: list[str] = field(default_factory=list)


def wait_for(
    replica: Server, path: str, wanted: str, since: float, headers: dict[str, str] | None = None
) -> CaughtUp:
    """Read ``path`` until the answer's ETag is ``wanted``, at most the interval plus the
    margin after ``since`` (a ``time.monotonic()``)."""
    stale: list[str] = []
    while True:
        response = replica.client.get(path, headers=headers)
        seconds = time.monotonic() - since
        assert response.status_code in (200, 304), response.text
        if etag(response) == wanted:
            return CaughtUp(response, seconds, stale)
        stale.append(etag(response))
        assert seconds <= INTERVAL + MARGIN, (
            f"{replica.base}{path} still answers {stale[-1]} {seconds:.2f} s after "
            f"{wanted} was written (interval {INTERVAL} s)"
        )
        time.sleep(POLL_EVERY)


def same_answer(replicas: Replicas, path: str) -> httpx.Response:
    """Both replicas answer ``path`` with the same bytes and ETag."""
    on_a, on_b = replicas.a.client.get(path), replicas.b.client.get(path)
    assert on_a.status_code == on_b.status_code == 200, (on_a.text, on_b.text)
    assert on_a.content == on_b.content, path
    assert etag(on_a) == etag(on_b), path
    return on_a


def newest_seq(replica: Server) -> int:
    seq: int = replica.client.get("/v1/changes?limit=1").json()["seq"]
    return seq


def test_both_replicas_serve_the_same_bytes_and_etag_from_their_caches(
    replicas: Replicas,
) -> None:
    path = "/v1/people/ainur-kurmanov"
    on_a = read_twice(replicas.a, path)
    on_b = read_twice(replicas.b, path)
    assert on_a.content == on_b.content
    assert etag(on_a) == etag(on_b) == f'"ainur-kurmanov.v{on_a.json()["version"]}"'


def test_a_write_is_seen_by_the_other_replica_within_the_interval_and_never_undone(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    person = "esenbek-ukteshbayev"
    path = f"/v1/people/{person}"
    word = "Quillbrook"  # a word no name, description or statement holds
    since = newest_seq(a)
    related = [
        "/v1/people",
        f"/v1/search?q={word}",
        f"/v1/changes?since={since}",
        f"/v1/entities/{person}/history",
    ]
    # Both replicas hold the entity and every related answer in their caches.
    old = read_twice(a, path)
    assert read_twice(b, path).content == old.content
    for other_path in related:
        assert read_twice(a, other_path).content == read_twice(b, other_path).content
    assert person not in {hit["id"] for hit in b.client.get(f"/v1/search?q={word}").json()["items"]}

    description = f"Kazakh socialist activist, recorded at {word}."
    written = patch_description(replicas, a, path, etag(old), description)
    written_at = time.monotonic()
    assert written.status_code == 200, written.text
    new = etag(written)
    assert version_of(new) == version_of(etag(old)) + 1

    # The writing replica answers with the write at once, not from its cache.
    on_a = a.client.get(path)
    assert etag(on_a) == new, f"A answered {etag(on_a)} right after writing {new}"
    assert on_a.json()["description"] == description

    # The other replica: the old answer from its cache until its next revision check.
    caught = wait_for(b, path, new, written_at)
    assert set(caught.stale) <= {etag(old)}
    assert caught.response.content == on_a.content
    print(
        f"\n{replicas.engine}: a write through A reached B after {caught.seconds * 1000:.0f} ms "
        f"({len(caught.stale)} stale answers first; interval {INTERVAL} s)"
    )

    # From then on B never answers from before the write.
    for _ in range(20):
        again = b.client.get(path)
        assert etag(again) == new
        assert again.content == on_a.content
        time.sleep(INTERVAL / 10)

    # Every related answer has moved on, and both replicas give the same bytes.
    people = same_answer(replicas, "/v1/people").json()["items"]
    assert {p["id"]: p["description"] for p in people}[person] == description
    hits = same_answer(replicas, f"/v1/search?q={word}").json()["items"]
    assert person in {hit["id"] for hit in hits}
    changes = same_answer(replicas, f"/v1/changes?since={since}").json()["items"]
    assert [(c["entity"], c["op"], c["version"], c["actor"]) for c in changes] == [
        (person, "update", version_of(new), WRITER)
    ]
    history = same_answer(replicas, f"/v1/entities/{person}/history").json()["items"]
    assert (history[0]["version"], history[0]["actor"]) == (version_of(new), WRITER)


def test_the_lag_between_replicas_is_within_the_interval_both_ways(replicas: Replicas) -> None:
    person = "takhir-mukhamedzyanov"
    path = f"/v1/people/{person}"
    lags: list[float] = []
    for i in range(10):
        writer = (replicas.a, replicas.b)[i % 2]
        reader = replicas.other(writer)
        # The writer has seen every write so far (its own, or the other's, waited for).
        current = writer.client.get(path)
        read_twice(reader, path)  # the reader holds the version about to be replaced
        written = patch_description(replicas, writer, path, etag(current), f"lag probe {i}")
        written_at = time.monotonic()
        assert written.status_code == 200, written.text
        lags.append(wait_for(reader, path, etag(written), written_at).seconds)
    print(
        f"\n{replicas.engine}: lag between replicas over {len(lags)} writes: "
        f"min {min(lags) * 1000:.0f} ms, median {statistics.median(lags) * 1000:.0f} ms, "
        f"max {max(lags) * 1000:.0f} ms (interval {INTERVAL} s)"
    )
    assert max(lags) <= INTERVAL + MARGIN


def test_writes_alternating_between_replicas_lose_nothing(replicas: Replicas) -> None:
    person = "janbolat-mamai"
    path = f"/v1/people/{person}"
    writes = 20
    since = newest_seq(replicas.a)
    latest = etag(replicas.a.client.get(path))
    first_version = version_of(latest)
    stale_reads = 0
    for i in range(writes):
        replica = (replicas.a, replicas.b)[i % 2]
        # Read-modify-write through one replica, right after the other one wrote: its
        # cache may still hold the version it wrote itself, and then its ETag is refused.
        tag = etag(replica.client.get(path))
        answer = patch_description(replicas, replica, path, tag, f"edit {i}")
        while answer.status_code == 412:
            stale_reads += 1
            problem = answer.json()
            assert answer.headers["content-type"] == "application/problem+json"
            assert problem["current_etag"] == etag(answer) == latest
            tag = etag(wait_for(replica, path, latest, time.monotonic()).response)
            answer = patch_description(replicas, replica, path, tag, f"edit {i}")
        assert answer.status_code == 200, answer.text
        replaced, latest = tag, etag(answer)
        assert version_of(latest) == version_of(replaced) + 1
        # The writer reads its own write back (and keeps it in its cache).
        own = etag(replica.client.get(path))
        assert own == latest, f"{replica.base} answered {own} right after writing {latest}"
        # The ETag just replaced is stale through the other replica too, whatever its
        # cache holds: If-Match is checked against the database.
        refused = patch_description(
            replicas, replicas.other(replica), path, replaced, f"lost update {i}"
        )
        assert refused.status_code == 412, refused.text
        assert refused.json()["current_etag"] == latest
    print(
        f"\n{replicas.engine}: {writes} writes alternating between replicas, "
        f"{stale_reads} read a version the other replica had replaced (412, then re-read)"
    )

    # Both replicas end with the same bytes, the last write, and the same change log.
    started = time.monotonic()
    final_a = wait_for(replicas.a, path, latest, started).response
    final_b = wait_for(replicas.b, path, latest, started).response
    assert final_a.content == final_b.content
    assert final_a.json()["description"] == f"edit {writes - 1}"
    feed: list[list[dict[str, Any]]] = [
        changes_since(replica.client, since) for replica in (replicas.a, replicas.b)
    ]
    assert feed[0] == feed[1]
    assert {(c["entity"], c["op"], c["actor"]) for c in feed[0]} == {(person, "update", WRITER)}
    assert [c["version"] for c in feed[0]] == list(
        range(first_version + 1, first_version + writes + 1)
    )
    assert [c["seq"] for c in feed[0]] == sorted({c["seq"] for c in feed[0]})
    same_answer(replicas, f"/v1/entities/{person}/history")


def test_the_other_replica_answers_304_to_the_new_etag_once_it_has_caught_up(
    replicas: Replicas,
) -> None:
    a, b = replicas.a, replicas.b
    path = "/v1/people/gauhar-nugmanova"
    old = read_twice(b, path)
    assert b.client.get(path, headers={"If-None-Match": etag(old)}).status_code == 304
    written = patch_description(replicas, a, path, etag(old), "a new description, through A")
    written_at = time.monotonic()
    assert written.status_code == 200, written.text
    new = etag(written)

    # Until B catches up it answers 200 with the old version; then 304 to A's ETag.
    caught = wait_for(b, path, new, written_at, headers={"If-None-Match": new})
    assert set(caught.stale) <= {etag(old)}
    assert caught.response.status_code == 304
    assert caught.response.content == b""
    # The old ETag is no longer current on B: a full answer with the new version.
    full = b.client.get(path, headers={"If-None-Match": etag(old)})
    assert full.status_code == 200
    assert etag(full) == new
    assert full.json()["description"] == "a new description, through A"
    # And from B's cache now: 304 again, and the same bytes as A.
    assert b.client.get(path, headers={"If-None-Match": new}).status_code == 304
    assert full.content == a.client.get(path).content
