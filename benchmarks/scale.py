"""Latency of detail and search as the knowledge base grows (databases from `kb generate`).

    python -m benchmarks.scale --database-url sqlite:///var/g100000.sqlite3 [--label 100k]

Serves the database with the response cache OFF, so every request runs the full
read path (queries, ranking, serialisation), and drives each endpoint with wrk over
one connection (so the latencies are service times, not queueing); prints
requests/s, p50 and p99, and the server's peak RSS. A second server with the cache
ON gives the warm figures and its memory.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx

from benchmarks.run import BIN, start, wait_until_up, wrk

ENDPOINTS = {
    "detail": "/v1/organisations/socialist-movement-of-kazakhstan",
    "search exact": "/v1/search?" + urlencode({"q": "СДК"}),
    "search exact (common name)": "/v1/search?" + urlencode({"q": "Ainur Kurmanov"}),
    "search prefix": "/v1/search?" + urlencode({"q": "kurm"}),
    "search romanisation": "/v1/search?"
    + urlencode({"q": "Sotsialisticheskoe Dvizhenie Kazakhstana"}),
    "search fuzzy": "/v1/search?" + urlencode({"q": "socialist movment of kazakstan"}),
}


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process and its children (uvicorn workers), in MB."""
    total = 0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", default="")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=1)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="kb-scale-"))
    env = {**os.environ, "KB_DATABASE_URL": args.database_url, "KB_LOG_LEVEL": "warning"}
    rows = []
    for cached in (False, True):
        command = [
            "taskset",
            "-c",
            "0",
            str(BIN / "kb"),
            "serve",
            "--no-access-log",
            "--port",
            "8111",
        ]
        server = start(command, {**env, "KB_CACHE_ENABLED": str(cached).lower()}, logs / "kb.log")
        try:
            wait_until_up("http://127.0.0.1:8111", timeout=600)
            for label, path in ENDPOINTS.items():
                response = httpx.get("http://127.0.0.1:8111" + path, timeout=60)
                response.raise_for_status()
                # Warm-up: page caches and the response cache fill before measuring.
                wrk("http://127.0.0.1:8111" + path, 2, args.connections, "1")
                sample = wrk("http://127.0.0.1:8111" + path, args.duration, args.connections, "1")
                rows.append((cached, label, sample))
            rss = peak_rss_mb(server.pid)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        rows.append((cached, "peak RSS MB", rss))
    print(
        f"\n{args.label or args.database_url}: {args.connections} connections, {args.duration}s per run"
    )
    for cached, label, value in rows:
        mode = "cached  " if cached else "uncached"
        if isinstance(value, float):
            print(f"  {mode} {label:<26} {value:8.0f}")
        else:
            print(
                f"  {mode} {label:<26} {value.rps:8.0f} r/s  p50 {value.p50_ms:7.2f} ms"
                f"  p99 {value.p99_ms:7.2f} ms  errors {value.errors}"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
