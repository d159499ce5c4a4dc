"""The response cache: transparent, keyed by path and query, invalidated by the revision."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.core.config import Settings
from app.core.response_cache import CachedResponse, LRUCache, cache_key
from app.main import create_app
from app.models import DatasetRevision
from tests.conftest import DATA_DIR

SMK = "/v1/organisations/socialist-movement-of-kazakhstan"


@pytest.fixture
def cached_app(seeded_url: str) -> FastAPI:
    settings = Settings(database_url=seeded_url, data_dir=DATA_DIR, revision_check_interval=0)
    return create_app(settings)


@pytest.fixture
def cached(cached_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(cached_app) as client:
        yield client


def test_a_cached_answer_is_byte_for_byte_the_uncached_one(
    cached: TestClient, client: TestClient
) -> None:
    for path in (
        SMK,
        "/v1/people?limit=3",
        "/v1/search?q=%D0%A1%D0%94%D0%9A",
        "/v1/timeline?limit=5",
    ):
        first, second, uncached = cached.get(path), cached.get(path), client.get(path)
        assert first.content == second.content == uncached.content
        assert first.headers["etag"] == second.headers["etag"] == uncached.headers["etag"]
        assert second.headers["content-type"] == uncached.headers["content-type"]
        assert second.headers["cache-control"] == "public, max-age=60"


def test_repeat_reads_are_hits(cached: TestClient, cached_app: FastAPI) -> None:
    cache: LRUCache = cached_app.state.response_cache
    cached.get(SMK)
    hits = cache.hits
    cached.get(SMK)
    assert cache.hits == hits + 1


def test_ready_reports_the_workers_cache(cached: TestClient) -> None:
    cached.get("/v1/people/ainur-kurmanov")
    cached.get("/v1/people/ainur-kurmanov")
    stats = cached.get("/ready").json()["cache"]
    assert (stats["hits"], stats["misses"], stats["entries"]) == (1, 1, 1)
    assert stats["bytes"] > 0


def test_never_one_querys_body_for_another(cached: TestClient) -> None:
    one = cached.get("/v1/people?limit=1").json()
    two = cached.get("/v1/people?limit=2").json()
    assert len(one["items"]) == 1
    assert len(two["items"]) == 2
    assert cached.get("/v1/search?q=Almaty").json()["items"][0]["id"] == "almaty"
    assert cached.get("/v1/search?q=Zhanaozen").json()["items"][0]["id"] == "zhanaozen"
    assert cached.get("/v1/search?q=Almaty").json()["items"][0]["id"] == "almaty"


def test_parameter_order_does_not_split_the_cache_but_values_do() -> None:
    def scope(query: str) -> dict[str, object]:
        return {"path": "/v1/events", "query_string": query.encode()}

    assert cache_key(scope("from=2011&to=2012")) == cache_key(scope("to=2012&from=2011"))
    assert cache_key(scope("type=place&type=person")) != cache_key(
        scope("type=person&type=place&x=1")
    )
    assert cache_key(scope("q=a")) != cache_key(scope("q=b"))


def test_conditional_requests_are_answered_from_the_cache(cached: TestClient) -> None:
    etag = cached.get(SMK).headers["etag"]
    response = cached.get(SMK, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""


def test_a_head_request_does_not_poison_the_cache(cached: TestClient) -> None:
    assert cached.head("/v1/places/almaty").status_code == 200
    assert cached.get("/v1/places/almaty").json()["id"] == "almaty"


def test_errors_are_not_cached(cached: TestClient, cached_app: FastAPI) -> None:
    cached.get("/v1/people/nobody")
    assert all("nobody" not in key for key in cached_app.state.response_cache._items)


def test_a_new_revision_invalidates_every_entry(cached: TestClient, cached_app: FastAPI) -> None:
    cache: LRUCache = cached_app.state.response_cache
    cached.get(SMK)
    cached.get(SMK)
    hits = cache.hits
    engine = cached_app.state.engine
    with engine.begin() as conn:
        conn.execute(update(DatasetRevision).values(revision=DatasetRevision.revision + 1))
    try:
        cached.get(SMK)
        assert cache.hits == hits, "an entry from the old revision must not be served"
        cached.get(SMK)
        assert cache.hits == hits + 1, "the new answer is cached under the new revision"
    finally:
        with engine.begin() as conn:
            conn.execute(update(DatasetRevision).values(revision=DatasetRevision.revision - 1))


def test_the_cache_is_bounded() -> None:
    cache = LRUCache(max_entries=2, max_bytes=10_000)
    for key in ("a", "b", "c"):
        cache.put(key, CachedResponse(1, [], b"x" * 10, None))
    assert len(cache) == 2
    assert cache.get("a", 1) is None
    assert cache.get("c", 1) is not None
    entry = CachedResponse(1, [], b"x" * 10, None)
    small = LRUCache(max_entries=100, max_bytes=entry.size("a") * 5 // 2)
    for key in ("a", "b", "c"):
        small.put(key, entry)
    assert len(small) == 2


def test_the_cache_can_be_turned_off(seeded_url: str) -> None:
    app = create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR, cache_enabled=False))
    assert not hasattr(app.state, "response_cache")


def test_the_revision_is_refreshed_in_the_background_not_on_the_request_path() -> None:
    import anyio

    from app.core.response_cache import RevisionClock

    stored = {"revision": 1}
    reads: list[int] = []

    def read() -> int:
        reads.append(stored["revision"])
        return stored["revision"]

    clock = RevisionClock(read, check_interval=0.01)

    async def scenario() -> None:
        assert clock.current() == 1
        calls = len(reads)
        for _ in range(100):
            clock.current()
        assert len(reads) == calls, "current() must not read the database between refreshes"
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(clock.run)
            stored["revision"] = 2
            with anyio.fail_after(2):
                while clock.current() != 2:
                    await anyio.sleep(0.01)
            tasks.cancel_scope.cancel()

    anyio.run(scenario)


def test_a_reading_begun_before_a_write_does_not_take_the_clock_back() -> None:
    """Found by the replica test: the background check read revision 10, a write of
    the process committed 11 and advanced the clock, then the check returned 10 and the
    writer served its pre-write answers again until the next check."""
    import threading

    import anyio

    from app.core.response_cache import RevisionClock

    stored = {"revision": 10}
    reading, release = threading.Event(), threading.Event()

    def slow_read() -> int:
        seen = stored["revision"]
        reading.set()
        release.wait(5)
        return seen

    clock = RevisionClock(slow_read, check_interval=0.5)

    async def scenario() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(clock.run)
            await anyio.to_thread.run_sync(reading.wait)
            stored["revision"] = 11
            clock.advance(11)
            release.set()
            await anyio.sleep(0.05)
            assert clock.current() == 11
            tasks.cancel_scope.cancel()

    anyio.run(scenario)


def test_a_lower_revision_read_with_no_write_in_between_is_taken() -> None:
    """A restored backup really does go back: the clock follows the database."""
    import anyio

    from app.core.response_cache import RevisionClock

    stored = {"revision": 10}
    clock = RevisionClock(lambda: stored["revision"], check_interval=0.01)

    async def scenario() -> None:
        clock.advance(10)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(clock.run)
            stored["revision"] = 4
            with anyio.fail_after(2):
                while clock.current() != 4:
                    await anyio.sleep(0.01)
            tasks.cancel_scope.cancel()

    anyio.run(scenario)


def test_junk_parameters_neither_miss_nor_fill_the_cache(
    cached: TestClient, cached_app: FastAPI
) -> None:
    cache: LRUCache = cached_app.state.response_cache
    cached.get("/v1/people?limit=2")
    entries, hits = len(cache), cache.hits
    for n in range(20):
        body = cached.get(f"/v1/people?limit=2&junk{n}={'x' * 1000}").json()
        assert len(body["items"]) == 2
    assert (len(cache), cache.hits) == (entries, hits + 20)
    # A declared parameter, even spelt with escapes, is part of the key.
    assert len(cached.get("/v1/people?%6Cimit=1").json()["items"]) == 1


def test_the_byte_bound_counts_keys_and_headers() -> None:
    cache = LRUCache(max_entries=10_000, max_bytes=64 * 1024)
    entry = CachedResponse(1, [(b"content-type", b"application/json")], b"{}", None)
    for n in range(1000):
        cache.put(f"/v1/people?q={'k' * 500}{n}", entry)
    # Bodies of 2 bytes: a bound on bodies alone would keep all 1,000 entries.
    assert cache.bytes <= 64 * 1024
    assert len(cache) < 1000


def test_problems_are_never_cached(cached: TestClient) -> None:
    for path in ("/v1/people/nobody", "/v1/people?limit=500"):
        assert cached.get(path).headers["cache-control"] == "no-store"


def test_an_unreadable_revision_bypasses_the_cache(seeded_url: str) -> None:
    from sqlalchemy.exc import OperationalError

    def down() -> int:
        raise OperationalError("SELECT revision", {}, Exception("database is down"))

    app = create_app(Settings(database_url=seeded_url, data_dir=DATA_DIR))
    app.state.revision_clock._read = down  # the database went away after start-up
    app.state.revision_clock._revision = None
    with TestClient(app) as client:
        app.state.revision_clock._revision = None
        response = client.get("/v1/places/almaty")
    # Answered by the application itself (from the database that is in fact up here),
    # not a 500 from the cache layer.
    assert response.status_code == 200
    assert len(app.state.response_cache) == 0
