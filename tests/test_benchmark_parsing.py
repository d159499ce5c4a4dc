"""The benchmark reads wrk's report correctly (the numbers in docs/performance.md depend on it)."""

from __future__ import annotations

from benchmarks.run import parse_wrk

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
