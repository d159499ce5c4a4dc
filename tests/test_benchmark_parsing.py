"""The benchmark reads wrk's report correctly (the numbers in docs/performance.md depend on it)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.run import Sample, cpu_seconds, measured, parse_wrk

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8101/v1/organisations
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms  512.33us   9.80ms   80.12%
    Req/Sec    12.34k   400.00    13.00k    70.00%
  Latency Distribution
     50%    2.53ms
     75%    2.90ms
     90%    3.20ms
     99%  850.00us
  61234 requests in 5.00s, 1.20GB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:  12246.80
Transfer/sec:    245.10MB
"""


def test_requests_per_second_percentiles_and_errors_are_read() -> None:
    sample = parse_wrk(WRK_OUTPUT)
    assert sample.rps == 12246.80
    assert sample.p50_ms == 2.53
    assert sample.p99_ms == 0.85
    assert sample.errors == 7


def test_the_number_of_requests_answered_is_read() -> None:
    assert parse_wrk(WRK_OUTPUT).requests == 61234


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_servers_cpu_time_per_request_is_its_own_cpu_time_over_the_requests() -> None:
    # A child that burns about 0.3 s of CPU while "wrk" answers 1,000 requests: 300 µs a
    # request, give or take the clock's ticks and the interpreter's start.
    burner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.3\n"
            "while time.process_time() < end: pass\ntime.sleep(30)",
        ]
    )
    try:

        def run() -> Sample:
            deadline = time.monotonic() + 10
            while cpu_seconds(burner.pid) < 0.3 and time.monotonic() < deadline:
                time.sleep(0.02)
            return Sample(1.0, 1.0, 1.0, 0, requests=1000)

        sample = measured(run, burner.pid)
    finally:
        burner.kill()
        burner.wait()
    assert sample.cpu_us is not None
    assert 200 <= sample.cpu_us <= 450


def test_without_a_server_process_no_cpu_time_is_given() -> None:
    sample = measured(lambda: Sample(1.0, 1.0, 1.0, 0, requests=10), None)
    assert sample.cpu_us is None
