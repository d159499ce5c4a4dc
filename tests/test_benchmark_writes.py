"""The write benchmark's arithmetic: writes per second and latencies are counted over the
measured window only, 412s and failures apart (the numbers in docs/performance.md
depend on it)."""

from __future__ import annotations

from benchmarks.writes import (
    WriteRecord,
    cpu_set,
    lua_script,
    percentile,
    summarise_writes,
)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unordered
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0


def test_only_writes_started_inside_the_window_count() -> None:
    records = [
        WriteRecord(started=9.9, seconds=0.010, status=200),  # warm-up, before the window
        WriteRecord(started=10.0, seconds=0.010, status=200),
        WriteRecord(started=10.5, seconds=0.030, status=200),
        WriteRecord(started=11.0, seconds=0.020, status=412),
        WriteRecord(started=11.5, seconds=0.020, status=0),  # no answer
        WriteRecord(started=11.9, seconds=0.500, status=200),  # ends after the window: counts
        WriteRecord(started=12.0, seconds=0.010, status=200),  # after the window
    ]
    sample = summarise_writes(records, start=10.0, end=12.0)
    assert sample.writes == 3
    assert sample.rate == 1.5
    assert sample.p50_ms == 30.0
    assert sample.p99_ms == 500.0
    assert sample.conflicts == 1
    assert sample.errors == 1


def test_no_writes_is_a_rate_of_zero() -> None:
    sample = summarise_writes([], start=0.0, end=10.0)
    assert (sample.writes, sample.rate, sample.p50_ms, sample.p99_ms) == (0, 0.0, 0.0, 0.0)


def test_the_wrk_script_lists_every_path_once() -> None:
    paths = ["/v1/people/ainur-kurmanov", "/v1/places/almaty"]
    script = lua_script(paths)
    assert script.count('"/v1/people/ainur-kurmanov"') == 1
    assert script.count('"/v1/places/almaty"') == 1
    assert "function request()" in script


def test_cpu_lists_are_read_like_taskset() -> None:
    assert cpu_set("1") == {1}
    assert cpu_set("0,2") == {0, 2}
    assert cpu_set("0-2,5") == {0, 1, 2, 5}
