"""Write benchmark: single-entity PATCHes per second, and reads while writes run.

    python -m benchmarks.writes [--duration 10] [--connections 16] [--writers 1 4]
    make bench BENCH_ARGS=--writes             (after the read benchmark; about 2.5 minutes)

For each engine, SQLite (a temporary file, seeded) and PostgreSQL (a database of its
own, created, seeded and dropped; skipped when PostgreSQL does not answer), starts one
``kb serve`` (one worker, response cache on, no access log, the write rate limit lifted)
pinned to the server CPU, makes a write key with ``kb keys create`` and measures, each
phase for a bounded time:

1. reads alone: wrk over a mix of entity-detail URLs (organisations, people, events,
   places) at a fixed connection count;
2. writes alone: N writer clients (threads of this process, one keep-alive connection
   each), each PATCHing its own person with a JSON Merge Patch and the ETag of its
   previous answer as If-Match, so 412s are rare (they are counted);
3. reads while writes run: the same wrk load while the N writers run;
4. for reference, the same reads from a second server with the cache off (every read a
   miss, as right after a write).

wrk and the writers run on the client CPU. Every write bumps the dataset revision,
which empties the response cache of the (single) server process at once: reads during
writes are partly cache misses, and that is part of what is measured. Everything runs
on 127.0.0.1; the databases are the benchmark's own and are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from benchmarks.run import BIN, Sample, parse_wrk, start, wait_until_up

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Entity-detail URLs read, per type: the first few ids of each list (the richest
# organisation first); the people written are among those read.
READ_TYPES = ("organisations", "people", "events", "places")
FIRST_ORGANISATION = "socialist-movement-of-kazakhstan"
MERGE_PATCH = "application/merge-patch+json"


@dataclass
class WriteRecord:
    """One PATCH as a writer saw it: when it started (perf_counter seconds), how long it
    took and the status (0 when no answer came: a connection error or a timeout)."""

    started: float
    seconds: float
    status: int


@dataclass
class WriteSample:
    writes: int  # 200s started inside the window
    seconds: float
    p50_ms: float
    p99_ms: float
    conflicts: int  # 412: another write got there first
    errors: int  # anything else

    @property
    def rate(self) -> float:
        return self.writes / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Phase:
    engine: str
    label: str
    writers: int
    reads: Sample | None = None
    writes: WriteSample | None = None
    note: str = ""  # why the engine was not measured


@dataclass
class Plan:
    duration: int = 10
    connections: int = 16
    writers: list[int] = field(default_factory=lambda: [1, 4])
    per_type: int = 4
    server_cpus: str = "0"
    client_cpu: str = "1"


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0-100) of values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def cpu_set(cpus: str) -> set[int]:
    """The CPUs of a taskset list: "1", "0,2", "0-3"."""
    chosen: set[int] = set()
    for part in cpus.split(","):
        first, _, last = part.partition("-")
        chosen.update(range(int(first), int(last or first) + 1))
    return chosen


def summarise_writes(records: Sequence[WriteRecord], start: float, end: float) -> WriteSample:
    """Writes per second and latencies of the PATCHes started in [start, end)."""
    inside = [r for r in records if start <= r.started < end]
    done = [r.seconds * 1000 for r in inside if r.status == 200]
    return WriteSample(
        writes=len(done),
        seconds=end - start,
        p50_ms=percentile(done, 50),
        p99_ms=percentile(done, 99),
        conflicts=sum(1 for r in inside if r.status == 412),
        errors=sum(1 for r in inside if r.status not in (200, 412)),
    )


def lua_script(paths: Sequence[str]) -> str:
    """A wrk script sending GETs of ``paths`` in turn (requests built once, in init)."""
    listed = ",\n".join(f"  {json.dumps(path)}" for path in paths)
    return (
        f"local paths = {{\n{listed}\n}}\n"
        "local requests = {}\n"
        "local i = 0\n"
        "function init(args)\n"
        '  for k, path in ipairs(paths) do requests[k] = wrk.format("GET", path) end\n'
        "end\n"
        "function request()\n"
        "  i = i % #requests + 1\n"
        "  return requests[i]\n"
        "end\n"
    )


def wrk_command(url: str, script: Path, duration: int, connections: int, cpu: str) -> list[str]:
    return [
        "taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
        "--latency", "--timeout", "5s", "-s", str(script), url,
    ]  # fmt: skip


class Writer(threading.Thread):
    """One client PATCHing one entity over one keep-alive connection, chaining the ETag
    of each answer (a 412's current ETag too) into the next If-Match."""

    def __init__(
        self, base: str, key: str, path: str, number: int, cpu: str, go: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.key, self.path, self.number = base, key, path, number
        self.cpu, self.go = cpu, go
        self.ready = threading.Event()  # the ETag is read: waiting for ``go``
        self.until = math.inf
        self.records: list[WriteRecord] = []
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            os.sched_setaffinity(0, cpu_set(self.cpu))  # this thread only
            self._loop()
        except BaseException as exc:  # reported by the caller, not lost in the thread
            self.failure = exc
            self.ready.set()

    def _loop(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": MERGE_PATCH}
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as client:
            read = client.get(self.path)
            read.raise_for_status()
            etag = read.headers["etag"]
            self.ready.set()
            self.go.wait()
            count = 0
            while time.perf_counter() < self.until:
                count += 1
                body = json.dumps({"description": f"Write benchmark {self.number}.{count}"})
                started = time.perf_counter()
                try:
                    response = client.patch(self.path, content=body, headers={"If-Match": etag})
                except httpx.HTTPError:
                    self.records.append(WriteRecord(started, time.perf_counter() - started, 0))
                    time.sleep(0.1)
                    continue
                self.records.append(
                    WriteRecord(started, time.perf_counter() - started, response.status_code)
                )
                if response.status_code in (200, 412) and "etag" in response.headers:
                    etag = response.headers["etag"]


def run_load(
    base: str,
    key: str,
    write_paths: Sequence[str],
    script: Path | None,
    duration: int,
    connections: int,
    cpu: str,
) -> tuple[Sample | None, WriteSample | None]:
    """Writers on ``write_paths`` and/or wrk with ``script``, together for ``duration``."""
    go = threading.Event()
    writers = [
        Writer(base, key, path, number, cpu, go) for number, path in enumerate(write_paths, 1)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.ready.wait(timeout=30)
        if writer.failure is not None:
            raise RuntimeError(f"writer {writer.number} failed: {writer.failure!r}")
    begin = time.perf_counter()
    for writer in writers:
        writer.until = begin + duration
    go.set()
    reads = None
    if script is not None:
        done = subprocess.run(
            wrk_command(base + "/", script, duration, connections, cpu),
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=True,
        )
        reads = parse_wrk(done.stdout)
    for writer in writers:
        writer.join(timeout=duration + 30)
        if writer.failure is not None:
            raise RuntimeError(f"writer {writer.number} failed: {writer.failure!r}")
    writes = None
    if writers:
        records = [record for writer in writers for record in writer.records]
        writes = summarise_writes(records, begin, begin + duration)
    return reads, writes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def kb(*arguments: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN / "kb"), *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"kb {' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[str | None, str]]:
    """A database of the benchmark's own, dropped at the end: (its URL, "") or, when
    PostgreSQL does not answer, (None, why)."""
    name = f"kb_bench_writes_{os.getpid()}"
    engine = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    reason = None
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    if reason is not None:
        where = make_url(admin_url).render_as_string(hide_password=True)
        engine.dispose()
        yield None, f"skipped: {where} does not answer ({reason})"
        return
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False), ""
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def entity_paths(base: str, per_type: int) -> dict[str, list[str]]:
    """The first ``per_type`` detail URLs of each type, from the list routes."""
    paths: dict[str, list[str]] = {}
    for segment in READ_TYPES:
        response = httpx.get(f"{base}/v1/{segment}", params={"limit": 50}, timeout=30)
        response.raise_for_status()
        ids = [item["id"] for item in response.json()["items"]]
        if segment == "organisations" and FIRST_ORGANISATION in ids:
            ids.remove(FIRST_ORGANISATION)
            ids.insert(0, FIRST_ORGANISATION)
        paths[segment] = [f"/v1/{segment}/{entity_id}" for entity_id in ids]
    return paths


@contextmanager
def serving(env: dict[str, str], cpus: str, log: Path) -> Iterator[str]:
    """One ``kb serve`` worker pinned to ``cpus``, no access log: its base URL."""
    port = free_port()
    command = [
        "taskset", "-c", cpus, str(BIN / "kb"), "serve", "--no-access-log",
        "--workers", "1", "--port", str(port),
    ]  # fmt: skip
    server = start(command, env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


def measure_engine(engine_label: str, database_url: str, plan: Plan, workdir: Path) -> list[Phase]:
    began = time.monotonic()
    env = {
        **os.environ,
        "KB_DATABASE_URL": database_url,
        "KB_LOG_LEVEL": "warning",
        "KB_CACHE_ENABLED": "true",
        "KB_WRITE_RATE_LIMIT": "100000000/minute",
    }
    kb("seed", env=env)
    key = kb("keys", "create", "--name", "write-benchmark", "--scope", "write", env=env)
    key = key.strip().splitlines()[-1]
    script = workdir / "reads.lua"
    phases: list[Phase] = []

    def measure(base: str, label: str, writes: Sequence[str], with_reads: bool) -> None:
        sample_reads, sample_writes = run_load(
            base,
            key,
            writes,
            script if with_reads else None,
            plan.duration,
            plan.connections,
            plan.client_cpu,
        )
        phases.append(Phase(engine_label, label, len(writes), sample_reads, sample_writes))
        print(f"  measured {engine_label}: {label}", file=sys.stderr, flush=True)

    log = workdir / f"kb-{engine_label.lower()}.log"
    with serving(env, plan.server_cpus, log) as base:
        paths = entity_paths(base, plan.per_type)
        people = paths["people"]
        if len(people) < max(plan.writers):
            raise RuntimeError(f"{len(people)} people to write, {max(plan.writers)} writers")
        reads = [path for segment in READ_TYPES for path in paths[segment][: plan.per_type]]
        script.write_text(lua_script(reads))
        # Warm-up: code paths and connections of the write path, then the cache.
        run_load(base, key, people[: max(plan.writers)], None, 2, plan.connections, plan.client_cpu)
        run_load(base, key, [], script, 2, plan.connections, plan.client_cpu)
        measure(base, "reads alone", [], True)
        for count in plan.writers:
            measure(base, f"{count} writer{'s' * (count > 1)} alone", people[:count], False)
        for count in plan.writers:
            measure(base, f"reads + {count} writer{'s' * (count > 1)}", people[:count], True)
    # For reference: what every read costs when the cache has nothing (as after a write).
    uncached = {**env, "KB_CACHE_ENABLED": "false"}
    with serving(uncached, plan.server_cpus, log.with_suffix(".uncached.log")) as base:
        run_load(base, key, [], script, 2, plan.connections, plan.client_cpu)
        measure(base, "reads, cache off", [], True)
    elapsed = time.monotonic() - began
    print(f"  {engine_label}: {elapsed:.0f}s with set-up", file=sys.stderr, flush=True)
    return phases


def run(
    plan: Plan, postgres_url: str = DEFAULT_POSTGRES, engines: Sequence[str] = ()
) -> list[Phase]:
    """Measure each engine (``sqlite``, ``postgresql``; both by default) and return the phases."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    engines = list(engines) or ["sqlite", "postgresql"]
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-writes-"))
    phases: list[Phase] = []
    try:
        if "sqlite" in engines:
            url = f"sqlite:///{workdir / 'writes.sqlite3'}"
            phases += measure_engine("SQLite", url, plan, workdir)
        if "postgresql" in engines:
            with postgres_database(postgres_url) as (pg_url, skipped):
                if pg_url is None:
                    print(f"  PostgreSQL {skipped}", file=sys.stderr, flush=True)
                    phases.append(Phase("PostgreSQL", "", 0, note=skipped))
                else:
                    phases += measure_engine("PostgreSQL", pg_url, plan, workdir)
    except BaseException:
        for leftover in workdir.glob("writes.sqlite3*"):
            leftover.unlink()
        print(f"  the servers' logs are in {workdir}", file=sys.stderr, flush=True)
        raise
    shutil.rmtree(workdir)
    return phases


def report(phases: Sequence[Phase], plan: Plan) -> None:
    print(
        f"\nWrites: single-entity PATCH (each writer its own person), {plan.duration}s per phase;"
        f" kb serve (1 worker, cache on) on CPU {plan.server_cpus};\nwrk ({plan.connections}"
        f" connections over {plan.per_type * len(READ_TYPES)} entity-detail URLs) and the"
        f" writers on CPU {plan.client_cpu}. Each write empties the response cache,\nso reads"
        " during writes are partly cache misses ('reads, cache off': all of them).\n"
        "Latencies in ms; 'vs alone': read r/s over reads alone (cache on, no writes)."
    )
    header = (
        f"{'engine':<11} {'phase':<18} {'read r/s':>9} {'vs alone':>8} {'read p50':>8}"
        f" {'read p99':>8} {'writes/s':>8} {'write p50':>9} {'write p99':>9} {'412':>4}"
        f" {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    alone = {p.engine: p.reads.rps for p in phases if p.label == "reads alone" and p.reads}
    for phase in phases:
        if phase.note:
            print(f"{phase.engine:<11} {phase.note}")
            continue
        cells = f"{phase.engine:<11} {phase.label:<18}"
        errors = 0
        if phase.reads is not None:
            ratio = phase.reads.rps / alone[phase.engine] if alone.get(phase.engine) else 0.0
            cells += (
                f" {phase.reads.rps:>9.0f} {ratio:>8.2f}"
                f" {phase.reads.p50_ms:>8.2f} {phase.reads.p99_ms:>8.2f}"
            )
            errors += phase.reads.errors
        else:
            cells += f" {'-':>9} {'-':>8} {'-':>8} {'-':>8}"
        if phase.writes is not None:
            cells += (
                f" {phase.writes.rate:>8.1f} {phase.writes.p50_ms:>9.1f}"
                f" {phase.writes.p99_ms:>9.1f} {phase.writes.conflicts:>4}"
            )
            errors += phase.writes.errors
        else:
            cells += f" {'-':>8} {'-':>9} {'-':>9} {'-':>4}"
        print(f"{cells} {errors:>6}")
    sys.stdout.flush()


def write_json(phases: Sequence[Phase], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(phase) for phase in phases], indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (reads)")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4], help="writer counts")
    parser.add_argument("--server-cpus", default="0", help="CPUs for kb serve (taskset list)")
    parser.add_argument("--client-cpu", default="1", help="CPU for wrk and the writers")
    parser.add_argument(
        "--engine", action="append", choices=["sqlite", "postgresql"], help="default: both"
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help="a PostgreSQL database to connect to; the benchmark creates and drops its own",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    plan = Plan(
        duration=args.duration,
        connections=args.connections,
        writers=args.writers,
        server_cpus=args.server_cpus,
        client_cpu=args.client_cpu,
    )
    phases = run(plan, args.postgres_url, args.engine or ())
    report(phases, plan)
    if args.json:
        write_json(phases, args.json)


if __name__ == "__main__":
    main()
