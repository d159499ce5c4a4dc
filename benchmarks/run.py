"""Side-by-side load benchmark: kb against the ASGI ceiling, interleaved in rounds.

    python -m benchmarks.run [--duration 5] [--rounds 3] [--connections 32] [--writes] [--export N]
        [--mix]

Starts three servers, each one uvicorn worker (uvloop + httptools, no access log)
pinned to CPU 0: ``kb serve`` with its response cache, ``kb serve`` without it,
and the ceiling (benchmarks/ceiling.py) serving the same bytes. wrk, pinned to
CPU 1, drives them in turn (ceiling, kb, kb uncached, ceiling, kb, ...) for a
bounded time each, and the medians are printed per endpoint with the ratio to
the ceiling measured in the same run. Everything runs on 127.0.0.1 only.

With --export N, `kb export --format ndjson` is timed over N generated entities, with
its peak RSS (benchmarks/export.py). With --writes, the write benchmark (benchmarks/writes.py: PATCHes per second and reads
while writes run, on SQLite and PostgreSQL) runs after it, on the same CPUs. With --mix,
the realistic mixed load (benchmarks/mix.py: Zipf-distributed details, searches with
typos, list pages, timelines and reconciliation batches on 100 thousand generated
entities) runs after that; `python -m benchmarks.mix --help` runs it alone, with options.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

RECONCILE_BATCH = {
    f"q{i}": {"query": name}
    for i, name in enumerate(
        [
            "СДК",
            "Ainur Kurmanov",
            "Zhanaozen",
            "Almaty",
            "Nazarbayev",
            "Committee for a Workers International",
            "Socialist Resistance",
            "Janbolat Mamai",
            "Tokayev",
            "Bloody January",
        ]
    )
}
ENDPOINTS: dict[str, str] = {
    "entity detail": "/v1/organisations/socialist-movement-of-kazakhstan",
    "list page (50)": "/v1/organisations?limit=50",
    "search: exact alias": "/v1/search?" + urlencode({"q": "СДК"}),
    "search: prefix": "/v1/search?" + urlencode({"q": "kurm"}),
    "search: romanisation": "/v1/search?"
    + urlencode({"q": "Sotsialisticheskoe Dvizhenie Kazakhstana"}),
    "search: typo": "/v1/search?" + urlencode({"q": "socialist movment of kazakstan"}),
    "timeline": "/v1/timeline?entity=socialist-movement-of-kazakhstan",
    "reconcile (10 queries)": "/v1/reconcile?"
    + urlencode({"queries": json.dumps(RECONCILE_BATCH, ensure_ascii=False)}),
}


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0  # answered in the run
    # The server's own CPU time (user + system, its workers included) per request, in
    # µs: what a request costs the server, which the machine's swings in speed move far
    # less than r/s. None when the server's process was not given.
    cpu_us: float | None = None


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(output: str) -> Sample:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = {
        p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", output, re.M)
    }
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    requests = re.search(r"(\d+) requests in", output)
    return Sample(
        rps, latency["50"], latency["99"], errors, int(requests.group(1)) if requests else 0
    )


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its children (uvicorn's workers) have used
    so far, from /proc."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for p in (pid, *map(int, children)):
        # The fields after the command's closing parenthesis; utime and stime are the
        # 14th and 15th of the line (proc(5)).
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that has just exited
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measured(run: Callable[[], Sample], server_pid: int | None) -> Sample:
    """``run()``, with the server's CPU time per request when its process is given."""
    if server_pid is None:
        return run()
    before = cpu_seconds(server_pid)
    sample = run()
    used = cpu_seconds(server_pid) - before
    if sample.requests:
        sample.cpu_us = 1e6 * used / sample.requests
    return sample


def wrk(
    url: str, duration: int, connections: int, cpu: str, server_pid: int | None = None
) -> Sample:
    command = [
        "taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
        "--latency", "--timeout", "5s", url,
    ]  # fmt: skip

    def run() -> Sample:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 30, check=True
        )
        return parse_wrk(done.stdout)

    return measured(run, server_pid)


def wait_until_up(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=1).status_code in (200, 404):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not come up")


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="kb worker processes")
    parser.add_argument("--server-cpus", default="0", help="CPUs for the servers (taskset list)")
    parser.add_argument("--client-cpu", default="1", help="CPU for wrk")
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    parser.add_argument("--only", action="append", help="benchmark only these endpoint labels")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--export",
        type=int,
        metavar="N",
        help="then time `kb export --format ndjson` (and its peak RSS) over N generated entities "
        "(benchmarks/export.py; the database is var/bench-export-N.sqlite3, made once)",
    )
    parser.add_argument(
        "--writes", action="store_true", help="then run the write benchmark (benchmarks/writes.py)"
    )
    parser.add_argument(
        "--mix",
        action="store_true",
        help="then run the mixed-load benchmark (benchmarks/mix.py; options: --mix-args)",
    )
    parser.add_argument(
        "--mix-args",
        default="",
        metavar="ARGS",
        help='options for benchmarks/mix.py with --mix, e.g. "--entities 1000000 --rounds 5"',
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (apt-get install wrk)")

    endpoints = {k: v for k, v in ENDPOINTS.items() if not args.only or k in args.only}
    logs = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    env = {**os.environ, "KB_DATABASE_URL": args.database_url, "KB_LOG_LEVEL": "warning"}
    kb = [str(BIN / "kb"), "serve", "--no-access-log", "--workers", str(args.workers)]
    servers: dict[str, subprocess.Popen[bytes]] = {}
    bases = {
        "kb": "http://127.0.0.1:8101",
        "kb uncached": "http://127.0.0.1:8102",
        "ceiling": "http://127.0.0.1:8103",
    }
    try:
        pin = ["taskset", "-c", args.server_cpus]
        servers["kb"] = start(pin + kb + ["--port", "8101"], env, logs / "kb.log")
        wait_until_up(bases["kb"])
        servers["kb uncached"] = start(
            pin + kb + ["--port", "8102"],
            {**env, "KB_CACHE_ENABLED": "false"},
            logs / "kb-uncached.log",
        )
        wait_until_up(bases["kb uncached"])
        bodies = {}
        for path in endpoints.values():
            response = httpx.get(bases["kb"] + path, timeout=30)
            response.raise_for_status()
            bodies[path] = response.text
        bodies_file = logs / "bodies.json"
        bodies_file.write_text(json.dumps(bodies))
        ceiling = [
            str(BIN / "uvicorn"), "benchmarks.ceiling:app", "--port", "8103",
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        servers["ceiling"] = start(
            pin + ceiling, {**env, "BENCH_BODIES": str(bodies_file)}, logs / "ceiling.log"
        )
        wait_until_up(bases["ceiling"])

        results: dict[str, dict[str, list[Sample]]] = {}
        for label, path in endpoints.items():
            results[label] = {name: [] for name in bases}
            for name in bases:  # warm-up: fill caches and connection pools
                wrk(bases[name] + path, 1, args.connections, args.client_cpu)
            for _ in range(args.rounds):
                for name in ("ceiling", "kb", "kb uncached"):
                    results[label][name].append(
                        wrk(
                            bases[name] + path,
                            args.duration,
                            args.connections,
                            args.client_cpu,
                            servers[name].pid,
                        )
                    )
            print(f"  measured {label}", file=sys.stderr, flush=True)
        report(results, args)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(
                    {
                        label: {
                            name: [s.__dict__ for s in samples]
                            for name, samples in by_server.items()
                        }
                        for label, by_server in results.items()
                    },
                    indent=2,
                )
            )
    finally:
        for process in servers.values():
            process.send_signal(signal.SIGINT)
        for process in servers.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    if args.writes:
        run_writes(args)
    if args.export:
        run_export(args.export)
    if args.mix:
        run_mix(args)


def run_export(entities: int) -> None:
    """kb export's time and peak RSS over a generated knowledge base of ``entities``."""
    from benchmarks.export import run_export_benchmark

    url = f"sqlite:///{ROOT / 'var' / f'bench-export-{entities}.sqlite3'}"
    sys.stdout.flush()
    for line in run_export_benchmark(url, ("ndjson",), generate=entities):
        print(line.render())


def run_writes(args: argparse.Namespace) -> None:
    """The write benchmark, in its own process, once the read servers have stopped."""
    command = [
        sys.executable, "-m", "benchmarks.writes",
        "--server-cpus", args.server_cpus, "--client-cpu", args.client_cpu,
    ]  # fmt: skip
    if args.json:
        command += ["--json", str(args.json.with_name(f"{args.json.stem}-writes.json"))]
    sys.stdout.flush()  # the read report first, then the child's
    subprocess.run(command, cwd=ROOT, check=True)


def run_mix(args: argparse.Namespace) -> None:
    """The mixed-load benchmark, in its own process, once the other servers have stopped."""
    command = [sys.executable, "-m", "benchmarks.mix", "--client-cpu", args.client_cpu]
    if args.workers != 1 or args.server_cpus != "0":
        command += ["--workers", str(args.workers), "--server-cpus", args.server_cpus]
    if args.json:
        command += ["--json", str(args.json.with_name(f"{args.json.stem}-mix.json"))]
    command += shlex.split(args.mix_args)  # last: they override the above
    sys.stdout.flush()
    subprocess.run(command, cwd=ROOT, check=True)


def report(results: dict[str, dict[str, list[Sample]]], args: argparse.Namespace) -> None:
    def median(samples: list[Sample], field: str) -> float:
        return float(statistics.median(getattr(s, field) for s in samples))

    print(
        f"\n{args.rounds} interleaved rounds of {args.duration}s, {args.connections} connections, "
        f"kb workers: {args.workers}, servers on CPU {args.server_cpus}, wrk on CPU {args.client_cpu}"
    )
    header = (
        f"{'endpoint':<24} {'ceiling r/s':>11} {'kb r/s':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'uncached r/s':>12} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for label, by_server in results.items():
        ceiling = median(by_server["ceiling"], "rps")
        kb, cold = by_server["kb"], by_server["kb uncached"]
        errors = sum(s.errors for samples in by_server.values() for s in samples)
        print(
            f"{label:<24} {ceiling:>11.0f} {median(kb, 'rps'):>9.0f} {median(kb, 'rps') / ceiling:>6.2f}"
            f" {median(kb, 'p50_ms'):>7.2f} {median(kb, 'p99_ms'):>7.2f}"
            f" {median(cold, 'rps'):>12.0f} {median(cold, 'rps') / ceiling:>6.2f}"
            f" {median(cold, 'p50_ms'):>7.2f} {median(cold, 'p99_ms'):>7.2f} {errors:>6}"
        )
    print(
        "\nThe servers' own CPU time per request (µs, user + system, median of the rounds): "
        "what a request costs each server, whatever the machine's speed in the hour. "
        "With every server CPU-bound on its one CPU, a ratio is about the ceiling's CPU "
        "time over kb's."
    )
    header = (
        f"{'endpoint':<24} {'ceiling':>8} {'kb':>8} {'kb uncached':>12} {'ceiling / uncached':>19}"
    )
    print(header)
    print("-" * len(header))
    for label, by_server in results.items():
        cpu = {name: cpu_median(samples) for name, samples in by_server.items()}
        share = (
            f"{cpu['ceiling'] / cpu['kb uncached']:.2f}"
            if cpu["ceiling"] and cpu["kb uncached"]
            else "n/a"
        )
        print(
            f"{label:<24} {fmt_us(cpu['ceiling']):>8} {fmt_us(cpu['kb']):>8} "
            f"{fmt_us(cpu['kb uncached']):>12} {share:>19}"
        )


def cpu_median(samples: list[Sample]) -> float | None:
    values = [s.cpu_us for s in samples if s.cpu_us is not None]
    return float(statistics.median(values)) if values else None


def fmt_us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


if __name__ == "__main__":
    main()
