"""Issue 13 against a real `kb serve` (marked slow): the event loop never blocks on
reconciliation (failure 1), slow and greedy clients are cut off by the server itself
(failures 7 and 8: slowloris, huge headers, huge bodies), and peak RSS stays bounded."""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.servers import Server, serving

pytestmark = pytest.mark.slow

HEADER_TIMEOUT = 4.0
WORST_QUERIES = [
    "the of and in kazakhstan socialist almaty trade union strike oil workers zhanaozen " * 3,
    "socialist movement kazakhstan party union workers people " * 4,
    "Ainur Kurmanov Esenbek Ukteshbayev Socialist Resistance Kazakhstan Zhanaozen Almaty " * 3,
]


@pytest.fixture(scope="module")
def server(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("serve") / "kb-serve.log"
    with serving(
        seeded_url,
        log,
        KB_CACHE_ENABLED="true",
        KB_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        KB_RECONCILE_TIME_BUDGET="60",
        KB_LOG_LEVEL="warning",
    ) as running:
        yield running


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def _latencies(base: str, seconds: float, path: str = "/v1/people?limit=5") -> list[float]:
    samples: list[float] = []
    with httpx.Client(base_url=base, timeout=10) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            samples.append(time.perf_counter() - started)
            time.sleep(0.01)
    return samples


def _raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` (as much as the server takes) and return what it answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            for offset in range(0, len(data), 1 << 16):
                sock.sendall(data[offset : offset + (1 << 16)])
        except OSError:
            pass  # the server closed the connection: read its answer
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


BUSY_SECONDS = 3.0


def test_reconciliation_does_not_stall_health(server: Server) -> None:
    """Failure 1: four concurrent 100-query worst-case POSTs finished at 2.2, 4.6,
    6.8 and 8.9 s and /health stalled for 2 s (6.7 s here, before the fix). Search now
    answers such a batch in a fraction of a second, so four clients keep posting them
    for BUSY_SECONDS while /health is timed."""
    batch = {f"q{i}": {"query": (WORST_QUERIES[i % 3] + str(i))[:200]} for i in range(100)}
    finished: list[float] = []
    health: list[float] = []
    started = time.monotonic()

    def post() -> None:
        while time.monotonic() - started < BUSY_SECONDS:
            response = httpx.post(f"{server.base}/v1/reconcile", json=batch, timeout=120)
            assert response.status_code == 200
            assert len(response.json()) == 100
            finished.append(time.monotonic() - started)

    with ThreadPoolExecutor(4) as pool:
        posts = [pool.submit(post) for _ in range(4)]
        with httpx.Client(timeout=30) as client:
            while not all(p.done() for p in posts):
                t = time.perf_counter()
                assert client.get(f"{server.base}/health").status_code == 200
                health.append(time.perf_counter() - t)
                time.sleep(0.05)
        for p in posts:
            p.result()
    print(
        f"\n{len(finished)} posts, the last finished at {max(finished):.2f} s; /health "
        f"n={len(health)} median={statistics.median(health) * 1000:.0f} ms "
        f"max={max(health) * 1000:.0f} ms"
    )
    assert len(health) >= 10
    # Issue 11: under 50 ms while batches run (the 95th percentile: one outlier on a
    # shared CI machine is the scheduler's, not the event loop's), and never 0.5 s.
    assert sorted(health)[int(len(health) * 0.95)] < 0.05
    assert max(health) < 0.5


@pytest.mark.one_engine
def test_a_huge_header_is_cut_off_while_it_is_read(server: Server) -> None:
    """Failure 8: a 100 MB header was accepted (15 s to parse)."""
    started = time.monotonic()
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 << 20)
    answer = _raw(server.port, head)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"application/problem+json" in answer
    assert time.monotonic() - started < 5


@pytest.mark.one_engine
def test_a_huge_url_is_cut_off_while_it_is_read(server: Server) -> None:
    answer = _raw(server.port, b"GET /v1/people?q=" + b"a" * (10 << 20))
    assert answer.startswith(b"HTTP/1.1 414 ")


@pytest.mark.one_engine
def test_a_huge_body_is_cut_off_while_it_streams(server: Server) -> None:
    """Failure 7: two 400 MB POSTs took a worker to 2.6 GB; the 422 came after."""
    for head in (
        b"POST /v1/reconcile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n",
        b"POST /v1/reconcile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 419430400\r\n\r\n",
    ):
        chunk = b"10000\r\n" + b" " * 65536 + b"\r\n" if b"chunked" in head else b" " * 65536
        answer = _raw(server.port, head + chunk * 6400)
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


@pytest.mark.one_engine
def test_a_slow_header_gets_408_within_the_timeout(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        answer = b""
        for _ in range(20):
            try:
                sock.sendall(b"X-A: b\r\n")
            except OSError:
                break
            try:
                sock.settimeout(1)
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            answer += chunk
            if not chunk or answer:
                break
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert HEADER_TIMEOUT - 0.5 < elapsed < HEADER_TIMEOUT + 1.5


# A slowloris attacker, in its own process (so it does not share the measuring
# process's CPU time): it keeps CONNECTIONS requests open with incomplete headers,
# adding a header line to each every second, and opens a new one for each the server
# drops. It prints each dropped connection's lifetime and the most held at once.
ATTACKER = r"""
import asyncio, json, sys, time
PORT, CONNECTIONS, SECONDS = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
lifetimes, open_now, most = [], 0, 0
async def one(end):
    global open_now, most
    while time.monotonic() < end:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        except OSError:
            await asyncio.sleep(0.1); continue
        started = time.monotonic(); open_now += 1; most = max(most, open_now)
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            while time.monotonic() < end:
                try:
                    data = await asyncio.wait_for(reader.read(65536), 1.0)
                except asyncio.TimeoutError:
                    writer.write(b"X-Slow: 1\r\n"); continue
                if not data or reader.at_eof():
                    lifetimes.append(time.monotonic() - started); break
                await reader.read()  # the 408, then the close
                lifetimes.append(time.monotonic() - started); break
        except OSError:
            lifetimes.append(time.monotonic() - started)
        finally:
            open_now -= 1; writer.close()
async def main():
    end = time.monotonic() + SECONDS
    await asyncio.gather(*(one(end) for _ in range(CONNECTIONS)))
asyncio.run(main())
print(json.dumps({"lifetimes": lifetimes, "most": most}))
"""


@pytest.mark.one_engine
def test_slowloris_connections_are_dropped_and_normal_requests_keep_their_p99(
    server: Server,
) -> None:
    """Failure 8: 2,000 half-open requests were still held after 55 s. Now 1,000 held
    for 20 s are each dropped within KB_HEADER_TIMEOUT, and ordinary requests keep
    their p99."""
    baseline = _latencies(server.base, 4)
    attacker = subprocess.Popen(
        [sys.executable, "-c", ATTACKER, str(server.port), "1000", "20"],
        stdout=subprocess.PIPE,
    )
    time.sleep(2)  # let it open its connections
    during = _latencies(server.base, 14)
    out, _ = attacker.communicate(timeout=60)
    report = json.loads(out)
    lifetimes = report["lifetimes"]
    base_p99, attack_p99 = _p99(baseline), _p99(during)
    print(
        f"\nslowloris: {report['most']} held at most, {len(lifetimes)} dropped, longest "
        f"{max(lifetimes):.2f} s (timeout {HEADER_TIMEOUT} s); p99 {base_p99 * 1000:.1f} ms "
        f"before, {attack_p99 * 1000:.1f} ms during ({len(baseline)}/{len(during)} requests)"
    )
    assert report["most"] >= 900
    assert len(lifetimes) >= 2000  # each of the 1,000 dropped, again and again
    assert max(lifetimes) < HEADER_TIMEOUT + 1.5
    assert attack_p99 < max(3 * base_p99, base_p99 + 0.05)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_peak_rss_stays_bounded_through_the_worst_inputs(server: Server) -> None:
    """Failures 6-8: junk query keys grew a worker from 319 to 758 MB; two 400 MB
    bodies took one to 2.6 GB. The worker's peak RSS (VmHWM) stays under 400 MB."""
    before = _peak_rss_mb(server.process.pid)
    junk = "&".join(f"j{i}=" + "x" * 60 for i in range(230))  # ~15 KB, under the URL limit

    def junk_requests(start: int) -> None:
        with httpx.Client(base_url=server.base, timeout=30) as client:
            for i in range(start, start + 500):
                client.get(f"/v1/people?limit=200&n={i}&{junk}")

    def greedy(kind: int) -> None:
        if kind == 0:
            head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 << 20)
        else:
            head = (
                b"POST /v1/reconcile HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 419430400\r\n\r\n" + b" " * (100 << 20)
            )
        _raw(server.port, head)

    stop = threading.Event()
    peak = [before]

    def watch() -> None:
        while not stop.is_set():
            peak.append(_peak_rss_mb(server.process.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            jobs = [pool.submit(junk_requests, 500 * k) for k in range(4)]
            jobs += [pool.submit(greedy, k % 2) for k in range(8)]
            for job in jobs:
                job.result()
    finally:
        stop.set()
        watcher.join()
    after = _peak_rss_mb(server.process.pid)
    print(f"\npeak RSS {before:.0f} MB before the worst inputs, {after:.0f} MB after")
    assert after < 400
