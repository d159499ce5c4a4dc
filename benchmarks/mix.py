"""A realistic mixed load: kb against the ASGI ceiling on a generated knowledge base.

    python -m benchmarks.mix [--entities 100000] [--requests 20000] [--duration 10]
        [--rounds 3] [--connections 32] [--workers 1] [--workers-compare]
        [--engine sqlite|postgresql] [--cold-only] [--seed 1] [--json PATH]

`make bench` repeats one URL per endpoint, which measures the response cache. This
benchmark sends a reproducible mix of different requests instead, drawn with a seeded
RNG from a database built by ``kb generate --entities N`` (made once under var/, or
as the PostgreSQL database bench_mix_N, and reused):

* entity details (55 %), Zipf-distributed over all entities (a few hot, most cold),
  on the typed endpoints and on /v1/entities/{id};
* searches (20 %) for the names and aliases of Zipf-drawn entities: half as stored
  (some lower-cased), a quarter with a one-character typo, a quarter in the other
  script (Cyrillic <-> Latin); a fifth with a type= filter;
* list pages (10 %) with sort orders, page sizes, cursors and, on events, date,
  participant and place filters;
* entity timelines (10 %), some with a period or a page size;
* reconciliation batches (5 %) of 10 distinct names, POSTed form-encoded as
  OpenRefine sends them (four batches in five typed: one type a batch, as a column).

wrk (benchmarks/mix.lua) cycles through the requests in order. Steps:

1. Cold pass: a fresh kb with its cache off gets each distinct request once, in mix
   order, from one client (httpx, one keep-alive connection, sequential): per-kind
   mean, p50 and p99, and the server's CPU time a request of each kind (from /proc,
   read between requests). The answers are recorded: every one must be a 200.
2. One client by kind: up to --by-kind requests of each kind (distinct first), in turn,
   against the same uncached kb and against the ceiling (the client's own cost).
3. Rounds: ceiling (benchmarks/ceiling.py serving the recorded bytes), kb with its
   cache (a fresh process every round, so the cache starts empty; its hit rate is
   read from /ready afterwards), kb uncached; interleaved, --rounds times. Each
   server's own CPU time a request is read from /proc over each run. Then the ratio
   the cold pass's CPU costs predict for kb with its cache (every first request of a
   GET and every POST a miss at its kind's cost, every repeat at the ceiling's), and
   how many times cheaper every miss would have to be for the issue's 0.3.
4. With --workers-compare: kb (cache on, fresh each round) with 1 and 2 workers.

Servers run pinned to CPU 0 (0,1 with several workers), wrk and this client to CPU 1.
Everything runs on 127.0.0.1; every run and request loop is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import httpx
from anyascii import anyascii
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.run import BIN, ROOT, Sample, cpu_median, cpu_seconds, measured, parse_wrk

LUA = Path(__file__).with_name("mix.lua")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("detail", "search", "list", "timeline", "reconcile")
PROPORTIONS = {"detail": 0.55, "search": 0.20, "list": 0.10, "timeline": 0.10, "reconcile": 0.05}
TYPED_PATHS = {
    "organisation": "/v1/organisations",
    "person": "/v1/people",
    "event": "/v1/events",
    "place": "/v1/places",
}
SORTS = {
    "organisation": ["id", "-id", "name", "-name", "founding_date", "-founding_date"],
    "person": ["id", "-id", "name", "-name"],
    "event": ["id", "-id", "name", "-name", "start_date", "-start_date"],
    "place": ["id", "-id", "name", "-name"],
}
FORM = "application/x-www-form-urlencoded; charset=UTF-8"  # as OpenRefine sends it
# The targets for one client against kb with its cache off (ms).
TARGETS = {
    "cold pass, mean": 3.0,
    "entity detail, mean": 1.5,
    "search, mean": 5.0,
    "search, p99": 20.0,
}
MIXED_TARGET = 0.3  # the mixed load's ratio to the ceiling, cache on
READY_FIELDS = ("hits", "misses", "entries", "bytes")
STARTED = "Application startup complete."  # uvicorn's line, once per worker


# --- The database ------------------------------------------------------------------------


def generate(url: str, entities: int, log: Path) -> float:
    """``kb generate --entities N`` into ``url``; its wall time in seconds."""
    print(f"generating {entities} entities into {_safe(url)} (log: {log}) ...", flush=True)
    started = time.monotonic()
    with log.open("wb") as out:
        subprocess.run(
            [str(BIN / "kb"), "generate", "--entities", str(entities)],
            env={**os.environ, "KB_DATABASE_URL": url, "KB_LOG_LEVEL": "warning"},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            check=True,
            # SQLite loaded a million in 26 min (2026-12-05), PostgreSQL in 65 min
            # (2026-12-06; an earlier machine's pace promised 3 h).
            timeout=900 + entities // 90,
        )
    seconds = time.monotonic() - started
    print(f"generated {entities} entities in {seconds:.1f} s", flush=True)
    return seconds


def sqlite_database(entities: int, logs: Path) -> tuple[str, float | None]:
    """var/bench-mix-N.sqlite3, generated unless a complete one is there."""
    path = ROOT / "var" / f"bench-mix-{entities}.sqlite3"
    complete = path.with_name(path.name + ".complete")
    url = f"sqlite:///{path}"
    if path.exists() and complete.exists():
        print(f"reusing {path} ({complete.read_text().strip()})", flush=True)
        return url, None
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):  # an interrupted generation
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    seconds = generate(url, entities, logs / "generate.log")
    complete.write_text(f"kb generate --entities {entities}: {seconds:.1f} s\n")
    return url, seconds


def postgres_database(server_url: str, entities: int, logs: Path) -> tuple[str, float | None]:
    """The database bench_mix_N on the server of ``server_url``, generated unless a
    complete one is there (its comment says so). No other database is touched."""
    name = f"bench_mix_{entities}"
    mark = f"kb generate --entities {entities}: complete"
    admin_url = make_url(server_url).set(database="postgres")
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as connection:
            comment = connection.scalar(
                text(
                    "SELECT coalesce(shobj_description(oid, 'pg_database'), '') "
                    "FROM pg_database WHERE datname = :name"
                ),
                {"name": name},
            )
            if comment == mark:
                print(f"reusing PostgreSQL database {name}", flush=True)
                return url, None
            if comment is not None:  # there, but not complete
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        seconds = generate(url, entities, logs / "generate.log")
        with engine.connect() as connection:
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{mark}'"))
        return url, seconds
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- The mix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    target: str  # path and query, percent-encoded: sent as it is
    body: str = ""
    content_type: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return self.method, self.target, self.body


@dataclass
class Catalogue:
    """What the mix is drawn from, read from the database in a stable order."""

    entities: list[tuple[str, str]]  # (id, type), by id
    ids: list[str]
    by_type: dict[str, list[str]]
    participants: list[str]
    event_places: list[str]
    years: tuple[int, int]


def read_catalogue(url: str) -> Catalogue:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            entities = [
                (str(i), str(t))
                for i, t in connection.execute(text("SELECT id, type FROM entity ORDER BY id"))
            ]
            participants = list(
                connection.scalars(
                    text("SELECT DISTINCT entity_id FROM participation ORDER BY entity_id")
                )
            )
            places = list(
                connection.scalars(text("SELECT DISTINCT place_id FROM event_place ORDER BY 1"))
            )
            first, last = connection.execute(
                text("SELECT min(start_date), max(start_date) FROM event")
            ).one()
    finally:
        engine.dispose()
    by_type: dict[str, list[str]] = {}
    for entity_id, entity_type in entities:
        by_type.setdefault(entity_type, []).append(entity_id)
    years = (int(str(first)[:4]), int(str(last)[:4])) if first and last else (1990, 2024)
    return Catalogue(entities, [i for i, _ in entities], by_type, participants, places, years)


def read_names(url: str, ids: set[str]) -> dict[str, list[str]]:
    """Every name and alias of these entities, sorted (a stable choice for the RNG)."""
    names: dict[str, set[str]] = {i: set() for i in ids}
    engine = create_engine(url)
    wanted = sorted(ids)
    try:
        with engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for sql in (
                    "SELECT id, name FROM entity WHERE id IN :ids",
                    "SELECT entity_id, name FROM alias WHERE entity_id IN :ids",
                ):
                    statement = text(sql).bindparams(bindparam("ids", expanding=True))
                    for entity_id, name in connection.execute(statement, {"ids": chunk}):
                        if name and name.strip() and len(name) <= 200:
                            names[entity_id].add(name)
    finally:
        engine.dispose()
    return {i: sorted(found) for i, found in names.items()}


LATIN_TO_CYRILLIC = [
    ("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("yu", "ю"), ("ya", "я"), ("yo", "ё"), ("ye", "е"), ("iy", "ий"), ("a", "а"), ("b", "б"),
    ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"),
    ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"),
    ("x", "кс"), ("y", "ы"), ("z", "з"), ("'", "ь"),
]  # fmt: skip
CYRILLIC = re.compile("[\u0400-\u04ff]")


def to_cyrillic(name: str) -> str:
    """A rough Russian-style Cyrillic spelling of a Latin name (a mapping table)."""
    out: list[str] = []
    i = 0
    while i < len(name):
        for latin, cyrillic in LATIN_TO_CYRILLIC:
            chunk = name[i : i + len(latin)]
            if chunk.lower() == latin:
                out.append(cyrillic.capitalize() if chunk[0].isupper() else cyrillic)
                i += len(latin)
                break
        else:
            out.append(name[i])
            i += 1
    return "".join(out)


def other_script(name: str) -> str:
    """The name in the other script: Cyrillic to Latin (anyascii), Latin to Cyrillic."""
    return anyascii(name) if CYRILLIC.search(name) else to_cyrillic(name)


def typo(rng: random.Random, name: str) -> str:
    """One character edit (substitution, deletion, insertion or transposition) at a
    letter that is not the first; the name itself when it is too short for one."""
    letters = [i for i, c in enumerate(name) if c.isalpha() and i > 0]
    if len(name) < 5 or not letters:
        return name
    i = rng.choice(letters)
    alphabet = "абвгдеиклмнорстуя" if CYRILLIC.search(name) else "abcdeghiklmnorstuy"
    edit = rng.choice(("substitute", "delete", "insert", "transpose"))
    if edit == "substitute":
        return name[:i] + rng.choice([c for c in alphabet if c != name[i].lower()]) + name[i + 1 :]
    if edit == "delete":
        return name[:i] + name[i + 1 :]
    if edit == "insert":
        return name[:i] + rng.choice(alphabet) + name[i:]
    if i + 1 < len(name) and name[i + 1] != name[i]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]


def variant(rng: random.Random, name: str, typos: float, scripts: float) -> str:
    draw = rng.random()
    if draw < typos:
        return typo(rng, name)
    if draw < typos + scripts:
        return other_script(name)
    return name.lower() if rng.random() < 0.3 else name


def zipf_cumulative(n: int, exponent: float) -> list[float]:
    total = 0.0
    cumulative = []
    for rank in range(1, n + 1):
        total += rank**-exponent
        cumulative.append(total)
    return cumulative


def kind_counts(requests: int) -> dict[str, int]:
    counts = {kind: round(requests * share) for kind, share in PROPORTIONS.items()}
    counts["detail"] += requests - sum(counts.values())
    return counts


def _get(path: str, params: Sequence[tuple[str, str]] = ()) -> str:
    return path + ("?" + urlencode(params, quote_via=quote) if params else "")


def build_mix(url: str, requests: int, seed: int, zipf: float) -> list[Request]:
    """The request mix: the same seed and database give the same requests, in order."""
    rng = random.Random(seed)
    catalogue = read_catalogue(url)
    ranked = list(catalogue.entities)
    rng.shuffle(ranked)  # popularity rank: a seeded permutation of all entities
    cumulative = zipf_cumulative(len(ranked), zipf)

    def popular() -> tuple[str, str]:
        return rng.choices(ranked, cum_weights=cumulative)[0]

    kinds = [kind for kind, n in kind_counts(requests).items() for _ in range(n)]
    rng.shuffle(kinds)
    # First every draw that needs an entity's names, then the names, then the requests.
    plans: list[tuple[str, Any]] = []
    named: set[str] = set()
    for kind in kinds:
        if kind == "search":
            plans.append((kind, popular()))
            named.add(plans[-1][1][0])
        elif kind == "reconcile":
            entity_type = rng.choice(["", "organisation", "person", "event", "place"])
            pool = catalogue.by_type[entity_type] if entity_type else catalogue.ids
            ids = rng.sample(pool, min(20, len(pool)))  # 20 to find 10 distinct names
            plans.append((kind, (entity_type, ids)))
            named.update(ids)
        else:
            plans.append((kind, None))
    names = read_names(url, named)
    mix = []
    for kind, plan in plans:
        if kind == "detail":
            mix.append(detail(rng, *popular()))
        elif kind == "search":
            mix.append(search(rng, plan, names))
        elif kind == "list":
            mix.append(list_page(rng, catalogue))
        elif kind == "timeline":
            mix.append(timeline(rng, popular()[0], catalogue.years))
        else:
            mix.append(reconcile(rng, plan, names))
    return mix


def detail(rng: random.Random, entity_id: str, entity_type: str) -> Request:
    typed = TYPED_PATHS.get(entity_type)
    base = typed if typed and rng.random() < 0.85 else "/v1/entities"
    return Request("detail", "GET", f"{base}/{quote(entity_id, safe='')}")


def search(rng: random.Random, entity: tuple[str, str], names: dict[str, list[str]]) -> Request:
    entity_id, entity_type = entity
    query = variant(rng, rng.choice(names[entity_id]), typos=0.25, scripts=0.25)
    params = [("q", query)]
    if rng.random() < 0.2:
        params.append(("type", entity_type))
    return Request("search", "GET", _get("/v1/search", params))


def _period(rng: random.Random, years: tuple[int, int]) -> list[tuple[str, str]]:
    start = rng.randint(*years)
    end = min(years[1], start + rng.choice((0, 1, 2, 5, 10)))
    if rng.random() < 0.3:  # a month or a day now and then
        return [("from", f"{start}-{rng.randint(1, 12):02d}"), ("to", str(end))]
    return [("from", str(start)), ("to", str(end))]


def list_page(rng: random.Random, catalogue: Catalogue) -> Request:
    entity_type = rng.choices(["organisation", "person", "event", "place"], [3, 3, 3, 1])[0]
    params: list[tuple[str, str]] = []
    if entity_type == "event":
        if rng.random() < 0.4:
            params += _period(rng, catalogue.years)
        if rng.random() < 0.15 and catalogue.participants:
            params.append(("participant", rng.choice(catalogue.participants)))
        if rng.random() < 0.1 and catalogue.event_places:
            params.append(("place", rng.choice(catalogue.event_places)))
    if rng.random() < 0.6:
        params.append(("sort", rng.choice(SORTS[entity_type])))
    limit = rng.choices([10, 20, 50], [2, 3, 5])[0]
    if limit != 50:
        params.append(("limit", str(limit)))
    if rng.random() < 0.3:  # a later page, as a client following `next`
        params.append(("cursor", f"o{limit * rng.randint(1, 10)}"))
    return Request("list", "GET", _get(TYPED_PATHS[entity_type], params))


def timeline(rng: random.Random, entity_id: str, years: tuple[int, int]) -> Request:
    params = [("entity", entity_id)]
    if rng.random() < 0.25:
        params += _period(rng, years)
    if rng.random() < 0.15:
        params.append(("limit", "20"))
    return Request("timeline", "GET", _get("/v1/timeline", params))


def reconcile(
    rng: random.Random, plan: tuple[str, list[str]], names: dict[str, list[str]]
) -> Request:
    """A batch of 10 distinct names as OpenRefine sends it: a form field `queries`."""
    entity_type, ids = plan
    queries: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for entity_id in ids:
        if not names[entity_id]:
            continue
        query = variant(rng, rng.choice(names[entity_id]), typos=0.2, scripts=0.2)
        if query in seen:
            continue
        seen.add(query)
        one = {"query": query}
        if entity_type:
            one |= {"type": entity_type, "type_strict": "should"}
        queries[f"q{len(queries)}"] = one
        if len(queries) == 10:
            break
    body = urlencode({"queries": json.dumps(queries, ensure_ascii=False)}, quote_via=quote)
    return Request("reconcile", "POST", "/v1/reconcile", body, FORM)


def distinct(mix: Sequence[Request]) -> list[Request]:
    return list({r.key: r for r in reversed(mix)}.values())[::-1]


def write_tsv(mix: Sequence[Request], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for r in mix:
            if any(c in r.target + r.body for c in "\t\n\r"):
                raise ValueError(f"not percent-encoded: {r.target} {r.body}")
            out.write(f"{r.method}\t{r.target}\t{r.content_type}\t{r.body}\n")


# --- Servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server process pinned with taskset; stopped by SIGINT (then killed)."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], cpus: str, log: Path
    ) -> None:
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                ["taskset", "-c", cpus, *command, "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        self.log = log

    def wait_until_up(self, timeout: float, workers: int = 1) -> None:
        """Until /health answers and, with several workers, every worker has started:
        wrk opens its connections at once and keeps them, so a worker still loading
        its search tables then would get none of them (measured: two workers at
        1.07 x one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            with suppress(httpx.HTTPError):
                answered = httpx.get(self.base + "/health", timeout=2).status_code in (200, 404)
                if answered and (workers == 1 or self.started() >= workers):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not come up within {timeout:.0f} s; see {self.log}")

    def started(self) -> int:
        """How many of its workers have said so in the log (uvicorn, at level info)."""
        return self.log.read_text(errors="replace").count(STARTED)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class Setup:
    database_url: str
    workers: int
    server_cpus: str
    client_cpu: str
    logs: Path
    startup_timeout: float

    def kb(self, name: str, cache: bool, workers: int | None = None, cpus: str = "") -> Server:
        workers = workers or self.workers
        env = {
            **os.environ,
            "KB_DATABASE_URL": self.database_url,
            # Each worker logs its start-up (wait_until_up counts them), and nothing per
            # request (no access log): the same for one worker and for two.
            "KB_LOG_LEVEL": "info",
            "KB_CACHE_ENABLED": str(cache).lower(),
        }
        command = [str(BIN / "kb"), "serve", "--no-access-log", "--workers", str(workers)]
        log = self.logs / f"{name.replace(' ', '-')}.log"
        server = Server(name, command, env, cpus or self.server_cpus, log)
        try:
            server.wait_until_up(self.startup_timeout, workers)
        except BaseException:
            server.stop()
            raise
        return server

    def ceiling(self, recorded: Path) -> Server:
        command = [
            str(BIN / "uvicorn"), "benchmarks.ceiling:app", "--loop", "uvloop",
            "--http", "httptools", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        env = {**os.environ, "BENCH_MIX": str(recorded)}
        env.pop("BENCH_BODIES", None)
        server = Server("ceiling", command, env, self.server_cpus, self.logs / "ceiling.log")
        try:
            server.wait_until_up(120)
        except BaseException:
            server.stop()
            raise
        return server


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


# --- One client --------------------------------------------------------------------------


@dataclass
class Timing:
    n: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Timing:
        ms = sorted(s * 1000 for s in seconds)
        if not ms:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        return cls(len(ms), statistics.fmean(ms), percentile(ms, 50), percentile(ms, 99), ms[-1])


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def client() -> httpx.Client:
    # No gzip, like wrk: the same bytes as the ceiling serves and wrk receives.
    return httpx.Client(headers={"accept-encoding": "identity"}, timeout=60)


def send(http: httpx.Client, base: str, r: Request) -> httpx.Response:
    headers = {"content-type": r.content_type} if r.content_type else None
    return http.request(r.method, base + r.target, content=r.body.encode() or None, headers=headers)


@dataclass
class Recorded:
    request: Request
    status: int
    content_type: str
    response: str
    seconds: float
    # The server's CPU time (user + system) from the end of the request before to the
    # end of this one. /proc counts it in clock ticks (10 ms), so one request's figure
    # is coarse; summed over many, the ticks fall where the time was spent.
    cpu_seconds: float = math.nan


def cold_pass(
    base: str, requests: Sequence[Request], budget: float, server_pid: int | None = None
) -> list[Recorded]:
    """Each request once, in order, over one keep-alive connection; every answer kept,
    with the server's CPU time when its process is given."""
    records = []
    deadline = time.monotonic() + budget
    cpu = cpu_seconds(server_pid) if server_pid is not None else math.nan
    with client() as http:
        for i, r in enumerate(requests):
            if time.monotonic() > deadline:
                sys.exit(f"the cold pass took over {budget:.0f} s ({i} of {len(requests)} done)")
            started = time.perf_counter()
            response = send(http, base, r)
            body = response.content
            seconds = time.perf_counter() - started
            used = math.nan
            if server_pid is not None:  # read after the timing: /proc is the client's cost
                now = cpu_seconds(server_pid)
                used, cpu = now - cpu, now
            records.append(
                Recorded(
                    r,
                    response.status_code,
                    response.headers.get("content-type", ""),
                    body.decode(),
                    seconds,
                    used,
                )
            )
            if (i + 1) % 2000 == 0:
                print(f"  cold pass: {i + 1} of {len(requests)}", file=sys.stderr, flush=True)
    return records


def by_kind_requests(mix: Sequence[Request], kind: str, n: int) -> list[Request]:
    """n requests of one kind from the mix, the distinct ones first, cycled if fewer."""
    ones = distinct([r for r in mix if r.kind == kind])
    return [ones[i % len(ones)] for i in range(n)] if ones else []


def one_client(base: str, requests: Sequence[Request], budget: float) -> Timing:
    seconds = []
    deadline = time.monotonic() + budget
    with client() as http:
        for r in requests:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            response = send(http, base, r)
            _ = response.content
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"{r.method} {r.target}: {response.status_code} from {base}")
    return Timing.of(seconds)


# --- wrk -----------------------------------------------------------------------------------


def wrk_mix(server: Server, tsv: Path, duration: int, connections: int, cpu: str) -> Sample:
    """wrk through the mix against ``server``, with the server's CPU time per request."""
    command = [
        "taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{duration}s",
        "--latency", "--timeout", "10s", "-s", str(LUA), server.base, "--", str(tsv),
    ]  # fmt: skip

    def run() -> Sample:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=False
        )
        if done.returncode != 0 or "Requests/sec" not in done.stdout:
            raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return parse_wrk(done.stdout)

    return measured(run, server.process.pid)


def _ready(server: Server, deadline: float) -> dict[str, Any] | None:
    """GET /ready's body once it answers 200 (it waits for a free worker thread, so it
    may 503 while the requests wrk left queued drain), or None at the deadline."""
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError, ValueError):
            response = httpx.get(server.base + "/ready", timeout=10)
            if response.status_code == 200:
                body = response.json()
                return body if isinstance(body, dict) else None
        time.sleep(0.5)
    return None


def cache_stats(server: Server, workers: int) -> dict[str, int] | None:
    """The response cache's counters from /ready, summed over the workers (each answers
    for itself), once they have stopped moving; None when /ready has no "cache"."""
    deadline = time.monotonic() + 60
    if _ready(server, deadline) is None:
        return None
    time.sleep(1)  # the requests wrk left queued finish
    seen: dict[int, tuple[int, ...]] = {}
    for attempt in range(8 * workers + 20):
        body = _ready(server, deadline)
        if body is None or not isinstance(body.get("cache"), dict):
            return None
        stats = tuple(int(body["cache"].get(f, 0)) for f in READY_FIELDS)
        if workers == 1:
            if seen.get(0) == stats:
                break
            seen[0] = stats
            time.sleep(0.5)
        else:  # a worker's counters are its own: distinct tuples are distinct workers
            seen[attempt] = stats
            if len(set(seen.values())) == workers and attempt >= 4 * workers:
                break
    found = set(seen.values())
    return {f: sum(s[i] for s in found) for i, f in enumerate(READY_FIELDS)}


def hit_rate(stats: dict[str, int] | None) -> float | None:
    if not stats or not stats["hits"] + stats["misses"]:
        return None
    return stats["hits"] / (stats["hits"] + stats["misses"])


@dataclass
class RoundResult:
    server: str
    sample: Sample
    cache: dict[str, int] | None = None


@dataclass
class Results:
    rounds: list[RoundResult] = field(default_factory=list)
    workers: list[RoundResult] = field(default_factory=list)


# --- The report --------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def report_rounds(results: list[RoundResult], args: argparse.Namespace) -> dict[str, Any]:
    print(
        f"\nMixed load: {args.rounds} interleaved rounds of {args.duration} s, "
        f"{args.connections} connections, kb workers: {args.workers}, servers on CPU "
        f"{args.server_cpus}, wrk on CPU {args.client_cpu}"
    )
    header = (
        f"{'server':<12} {'r/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'p99/ceiling':>11} {'errors':>6} {'CPU µs/request':>14} {'cache hit rate':>14}"
    )
    print(header)
    print("-" * len(header))
    summary: dict[str, Any] = {}
    names = ("ceiling", "kb", "kb uncached")
    samples = {n: [r.sample for r in results if r.server == n] for n in names}
    ceiling_rps = median([s.rps for s in samples["ceiling"]])
    ceiling_p99 = median([s.p99_ms for s in samples["ceiling"]])
    for name in names:
        mine = samples[name]
        rps, p50, p99 = (median([getattr(s, f) for s in mine]) for f in ("rps", "p50_ms", "p99_ms"))
        rates = [hit_rate(r.cache) for r in results if r.server == name]
        rate = "" if name != "kb" else " / ".join(fmt(x and 100 * x, 1) for x in rates) + " %"
        if name == "kb" and all(x is None for x in rates):
            rate = "n/a"
        errors = sum(s.errors for s in mine)
        cpu = cpu_median(mine)
        print(
            f"{name:<12} {rps:>8.0f} {rps / ceiling_rps:>6.2f} {p50:>8.2f} {p99:>8.2f} "
            f"{p99 / ceiling_p99:>11.2f} {errors:>6} {fmt(cpu, 0):>14} {rate:>14}"
        )
        summary[name] = {
            "rps": rps,
            "ratio": rps / ceiling_rps,
            "p50_ms": p50,
            "p99_ms": p99,
            "p99_ratio": p99 / ceiling_p99,
            "errors": errors,
            "cpu_us": cpu,
        }
        if name == "kb":
            summary[name]["hit_rates"] = rates
    per_round = "; ".join(
        f"{r.server} {r.sample.rps:.0f} r/s p99 {r.sample.p99_ms:.1f}" for r in results
    )
    print(f"per round: {per_round}")
    covered = ", ".join(
        f"{name} {summary[name]['rps'] * args.duration / args.requests:.2f}" for name in names
    )
    print(f"passes through the mix a round (wrk starts at its first request): {covered}")
    print(
        "(cache hit rate: hits / (hits + misses) of kb's response cache over the round, "
        "from GET /ready; POSTs are never cached. CPU µs/request: the server's own CPU "
        "time, user + system, over the requests wrk counted)"
    )
    return summary


def report_workers(results: list[RoundResult], args: argparse.Namespace) -> dict[str, Any]:
    print(
        f"\nkb workers (cache on, fresh each round, mixed load): {args.rounds} rounds of "
        f"{args.duration} s, {args.connections} connections, servers on CPUs 0,1, "
        f"wrk on CPU {args.client_cpu}"
    )
    header = f"{'workers':>7} {'r/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'hit rate':>9}"
    print(header)
    print("-" * len(header))
    summary: dict[str, Any] = {}
    for workers in (1, 2):
        mine = [r for r in results if r.server == f"kb x{workers}"]
        rps = median([r.sample.rps for r in mine])
        rates = [x for x in (hit_rate(r.cache) for r in mine) if x is not None]
        print(
            f"{workers:>7} {rps:>8.0f} {median([r.sample.p50_ms for r in mine]):>8.2f} "
            f"{median([r.sample.p99_ms for r in mine]):>8.2f} "
            f"{sum(r.sample.errors for r in mine):>6} "
            f"{fmt(100 * median(rates) if rates else None, 1):>8}%"
        )
        summary[str(workers)] = {"rps": rps, "samples": [asdict(r.sample) for r in mine]}
    ratio = summary["2"]["rps"] / summary["1"]["rps"]
    print(f"2 workers / 1 worker: {ratio:.2f}x")
    summary["ratio"] = ratio
    return summary


def report_timings(
    title: str, rows: dict[str, Timing], reference: dict[str, Timing] | None = None
) -> None:
    print(f"\n{title}")
    header = f"{'kind':<10} {'n':>6} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    if reference is not None:
        header += f" {'ceiling mean':>12} {'ceiling p99':>11}"
    print(header)
    print("-" * len(header))
    for kind, t in rows.items():
        line = (
            f"{kind:<10} {t.n:>6} {fmt(t.mean_ms):>8} {fmt(t.p50_ms):>8} "
            f"{fmt(t.p99_ms):>8} {fmt(t.max_ms):>8}"
        )
        if reference is not None and kind in reference:
            line += f" {fmt(reference[kind].mean_ms):>12} {fmt(reference[kind].p99_ms):>11}"
        print(line)


def report_slowest(records: Sequence[Recorded], per_kind: int = 3) -> list[dict[str, Any]]:
    print("slowest of the cold pass, by kind:")
    slowest = []
    for kind in KINDS:
        mine = sorted((r for r in records if r.request.kind == kind), key=lambda r: -r.seconds)
        for r in mine[:per_kind]:
            shown = unquote(r.request.target + (" " + r.request.body if r.request.body else ""))
            print(f"  {kind:<10} {1000 * r.seconds:8.1f} ms  {shown[:150]}")
            slowest.append({"kind": kind, "ms": 1000 * r.seconds, "request": shown})
    return slowest


def cpu_by_kind(records: Sequence[Recorded]) -> dict[str, float]:
    """The server's mean CPU time (seconds) a request of each kind, over the cold pass."""
    spent: dict[str, list[float]] = {k: [] for k in KINDS}
    for r in records:
        spent[r.request.kind].append(r.cpu_seconds)
    return {k: statistics.fmean(v) if v else math.nan for k, v in spent.items()}


@dataclass(frozen=True)
class MixCosts:
    """What kb's answers to the mix cost, for predicting its ratio on the mixed load."""

    mix: Sequence[Request]
    miss_cpu: dict[str, float]  # seconds a miss of each kind (the cold pass's)
    hit_cpu: float  # seconds a repeat of a GET (the ceiling's: a hit costs no less)
    cpus: int  # the server's CPUs
    duration: float  # seconds a round
    ceiling_rps: float

    def predicted_ratio(self, misses_cheaper_by: float = 1.0) -> float:
        """The share of the ceiling's rate kb would reach on the mix in a round, were
        it limited only by the CPU its answers cost: wrk cycles through the mix from its
        first request; a fresh server's first request of a GET, and every POST (never
        cached), costs its kind's ``miss_cpu`` (divided by ``misses_cheaper_by``), and
        every repeat of a GET costs ``hit_cpu``. The cache is taken as never evicting.
        A prediction, not a bound: under load kb answers a request for a little less
        CPU than one at a time (the rounds measured 0.039 where the cold pass predicted
        0.036)."""
        # In nanoseconds: thousands of float subtractions would lose the last request.
        budget, hit = round(self.cpus * self.duration * 1e9), round(self.hit_cpu * 1e9)
        miss = {
            k: round(v * 1e9 / misses_cheaper_by)
            for k, v in self.miss_cpu.items()
            if not math.isnan(v)
        }
        mix, served, seen = self.mix, 0, set()
        most = self.ceiling_rps * self.duration  # the ceiling's own rate is the top
        while served < most:
            r = mix[served % len(mix)]
            repeat = r.method == "GET" and r.key in seen
            cost = hit if repeat else miss[r.kind]
            if cost > budget:
                break
            budget -= cost
            seen.add(r.key)
            served += 1
        return served / self.duration / self.ceiling_rps

    def miss_factor_for(self, target: float) -> float:
        """How many times cheaper every miss would have to be for the predicted ratio
        to reach ``target`` (1 when it already does), by bisection."""
        if self.predicted_ratio() >= target:
            return 1.0
        low, high = 1.0, 2.0
        while self.predicted_ratio(high) < target:
            low, high = high, 2 * high
            if high > 1e6:
                return math.inf  # the hits alone cost more than the target allows
        while high / low > 1.01:
            middle = math.sqrt(low * high)
            low, high = (middle, high) if self.predicted_ratio(middle) < target else (low, middle)
        return high


def report_prediction(
    mix: Sequence[Request],
    miss_cpu: dict[str, float],
    rounds: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The mixed load's ratio that the cold pass's CPU costs predict (``MixCosts``), and
    how much cheaper the misses would have to be for the target."""
    ceiling = rounds["ceiling"]
    cpus = len(args.server_cpus.split(","))
    hit = ceiling["cpu_us"] / 1e6
    costs = MixCosts(mix, miss_cpu, hit, cpus, args.duration, ceiling["rps"])
    predicted, factor = costs.predicted_ratio(), costs.miss_factor_for(MIXED_TARGET)
    print(
        f"\nThe mixed load's ratio the cold pass's CPU costs predict: {predicted:.3f} x the "
        f"ceiling (measured: {rounds['kb']['ratio']:.3f} x; target {MIXED_TARGET} x)"
    )
    print(
        "  (each round's first request of a GET, and every POST, costs its kind's server "
        f"CPU in the cold pass; every repeat costs the ceiling's {ceiling['cpu_us']:.0f} µs; "
        f"{cpus} CPU x {args.duration} s a round)"
    )
    if factor > 1:
        print(f"  to allow {MIXED_TARGET} x, every miss would have to cost {factor:.1f} x less")
    return {"predicted": predicted, "target": MIXED_TARGET, "miss_cheaper_by": factor}


def mix_weighted(by_kind: dict[str, Timing], counts: dict[str, int]) -> float:
    """The mean time of one request of the mix, from the per-kind means."""
    total = sum(counts.values())
    return sum(by_kind[k].mean_ms * counts[k] / total for k in KINDS if by_kind[k].n)


def report_targets(cold: dict[str, Timing], by_kind: dict[str, Timing]) -> list[dict[str, Any]]:
    rows = [
        ("cold pass, mean", "cold pass (all kinds)", cold["all"].mean_ms),
        ("entity detail, mean", "cold pass", cold["detail"].mean_ms),
        ("search, mean", "cold pass", cold["search"].mean_ms),
        ("search, p99", "cold pass", cold["search"].p99_ms),
    ]
    if by_kind:
        rows += [
            ("entity detail, mean", "one client by kind", by_kind["detail"].mean_ms),
            ("search, mean", "one client by kind", by_kind["search"].mean_ms),
            ("search, p99", "one client by kind", by_kind["search"].p99_ms),
        ]
    print("\nTargets (one client, kb with its cache off):")
    out = []
    for target, where, value in rows:
        limit = TARGETS[target]
        met = value <= limit
        print(
            f"  {target:<20} <= {limit:>4.1f} ms  {where:<22} {fmt(value):>8} ms  "
            f"{'met' if met else 'NOT MET'}"
        )
        out.append({"target": target, "limit_ms": limit, "where": where, "ms": value, "met": met})
    return out


# --- Main --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=100_000, help="kb generate --entities N")
    parser.add_argument("--requests", type=int, default=20_000, help="requests in the mix")
    parser.add_argument("--seed", type=int, default=1, help="seed of the mix")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of popularity")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="kb worker processes")
    parser.add_argument(
        "--workers-compare",
        action="store_true",
        help="also run kb (cache on) with 1 and with 2 workers, servers on CPUs 0,1",
    )
    parser.add_argument(
        "--server-cpus", help="taskset CPU list for the servers (default: 0; 0,1 with workers)"
    )
    parser.add_argument("--client-cpu", default="1", help="CPU for wrk and the one client")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES,
        help="the PostgreSQL server for --engine postgresql (its database bench_mix_N is used)",
    )
    parser.add_argument(
        "--database-url", help="serve this database as it is (no generation); overrides --engine"
    )
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="only the one-client measurements (cold pass and by kind), no wrk rounds",
    )
    parser.add_argument(
        "--by-kind", type=int, default=2000, help="requests per kind, one client (0: skip)"
    )
    parser.add_argument(
        "--by-kind-seconds", type=float, default=120, help="time bound per kind and server"
    )
    parser.add_argument(
        "--cold-seconds", type=float, default=1800, help="time bound of the cold pass"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.server_cpus is None:
        args.server_cpus = "0" if args.workers == 1 else "0,1"
    return args


def pin_client(cpu: str) -> None:
    """This process (the one client) on the client CPU, like wrk."""
    with suppress(ValueError, OSError):
        os.sched_setaffinity(0, {int(c) for c in cpu.split(",")})


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.cold_only and shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    logs = Path(tempfile.mkdtemp(prefix="kb-mix-"))
    out: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "logs": str(logs)}

    generated: float | None = None
    if args.database_url:
        url = args.database_url
    elif args.engine == "postgresql":
        url, generated = postgres_database(args.postgres_url, args.entities, logs)
    else:
        url, generated = sqlite_database(args.entities, logs)
    out["database"] = {"url": _safe(url), "generate_seconds": generated}

    started = time.monotonic()
    mix = build_mix(url, args.requests, args.seed, args.zipf)
    unique = distinct(mix)
    tsv = logs / "requests.tsv"
    write_tsv(mix, tsv)
    counts = {k: sum(r.kind == k for r in mix) for k in KINDS}
    unique_counts = {k: sum(r.kind == k for r in unique) for k in KINDS}
    print(
        f"\nmix: {len(mix)} requests (seed {args.seed}, Zipf exponent {args.zipf}), "
        f"{len(unique)} distinct, built in {time.monotonic() - started:.1f} s; {tsv}"
    )
    for k in KINDS:
        print(
            f"  {k:<10} {counts[k]:>6} ({100 * counts[k] / len(mix):4.1f} %), "
            f"{unique_counts[k]:>6} distinct"
        )
    out["mix"] = {"requests": len(mix), "distinct": len(unique), "by_kind": counts}
    out["mix"]["distinct_by_kind"] = unique_counts
    sys.stdout.flush()

    pin_client(args.client_cpu)
    setup = Setup(url, args.workers, args.server_cpus, args.client_cpu, logs, 1800)
    results = Results()
    recorded = logs / "recorded.json"
    # 1. Cold pass (and the recording), on a fresh kb with its cache off.
    uncached = setup.kb("kb uncached", cache=False)
    ceiling: Server | None = None
    try:
        records = cold_pass(uncached.base, unique, args.cold_seconds, uncached.process.pid)
        failed = [r for r in records if r.status != 200]
        if failed:
            for r in failed[:20]:
                print(
                    f"  {r.status} {r.request.method} {r.request.target} {r.request.body[:200]}"
                    f"\n      {r.response[:300]}",
                    file=sys.stderr,
                )
            sys.exit(f"{len(failed)} of {len(records)} distinct requests were not 200 on kb")
        cold = {k: Timing.of([r.seconds for r in records if r.request.kind == k]) for k in KINDS}
        cold["all"] = Timing.of([r.seconds for r in records])
        report_timings(
            f"Cold pass: the {len(records)} distinct requests once each, in order, one client "
            "(one keep-alive connection), fresh kb with its cache off, all 200",
            cold,
        )
        out["cold_pass"] = {k: asdict(t) for k, t in cold.items()}
        miss_cpu = cpu_by_kind(records)
        print(
            "server CPU a request (ms), cold pass: "
            + ", ".join(f"{k} {fmt(1000 * miss_cpu[k])}" for k in KINDS)
        )
        # A kind the mix has none of has no figure: null, not NaN (which is not JSON).
        out["cold_pass"]["cpu_ms"] = {
            k: None if math.isnan(v) else 1000 * v for k, v in miss_cpu.items()
        }
        out["cold_pass"]["slowest"] = report_slowest(records)
        recorded.write_text(
            json.dumps(
                [
                    {
                        "method": r.request.method,
                        "target": r.request.target,
                        "body": r.request.body,
                        "status": r.status,
                        "content_type": r.content_type,
                        "response": r.response,
                    }
                    for r in records
                ],
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        del records
        ceiling = setup.ceiling(recorded)
        # 2. One client, uncached, by kind; the ceiling gives the client's own cost.
        by_kind: dict[str, Timing] = {}
        floor: dict[str, Timing] = {}
        if args.by_kind:
            for k in KINDS:
                chosen = by_kind_requests(mix, k, args.by_kind)
                by_kind[k] = one_client(uncached.base, chosen, args.by_kind_seconds)
                floor[k] = one_client(ceiling.base, chosen, args.by_kind_seconds)
            report_timings(
                f"One client by kind: up to {args.by_kind} requests of each kind (distinct "
                f"first; at most {args.by_kind_seconds:.0f} s a kind), kb cache off, "
                "sequential",
                by_kind,
                floor,
            )
            weighted = mix_weighted(by_kind, counts)
            print(
                f"weighted by the mix: {weighted:.2f} ms a request, about "
                f"{1000 / weighted:.0f} requests/s for one worker with nothing cached "
                f"(ceiling: {mix_weighted(floor, counts):.2f} ms, the client's own cost)"
            )
            out["by_kind"] = {k: asdict(t) for k, t in by_kind.items()}
            out["by_kind_weighted_ms"] = weighted
            out["by_kind_ceiling"] = {k: asdict(t) for k, t in floor.items()}
        out["targets"] = report_targets(cold, by_kind)
        sys.stdout.flush()

        # 3. The rounds.
        if not args.cold_only:
            for server in (ceiling, uncached):  # warm-up: connection pools, page caches
                wrk_mix(server, tsv, 1, args.connections, args.client_cpu)
            for i in range(args.rounds):
                sample = wrk_mix(ceiling, tsv, args.duration, args.connections, args.client_cpu)
                results.rounds.append(RoundResult("ceiling", sample))
                with running(setup.kb(f"kb round {i + 1}", cache=True)) as kb:
                    sample = wrk_mix(kb, tsv, args.duration, args.connections, args.client_cpu)
                    results.rounds.append(RoundResult("kb", sample, cache_stats(kb, args.workers)))
                sample = wrk_mix(uncached, tsv, args.duration, args.connections, args.client_cpu)
                results.rounds.append(RoundResult("kb uncached", sample))
                print(f"  round {i + 1} of {args.rounds} done", file=sys.stderr, flush=True)
            out["rounds"] = report_rounds(results.rounds, args)
            out["rounds"]["prediction"] = report_prediction(mix, miss_cpu, out["rounds"], args)
            out["rounds"]["samples"] = [
                {"server": r.server, **asdict(r.sample), "cache": r.cache} for r in results.rounds
            ]
    finally:
        uncached.stop()
        if ceiling is not None:
            ceiling.stop()

    # 4. One worker against two.
    if args.workers_compare and not args.cold_only:
        for i in range(args.rounds):
            for workers in (1, 2):
                name = f"kb x{workers}"
                with running(
                    setup.kb(f"{name} round {i + 1}", cache=True, workers=workers, cpus="0,1")
                ) as kb:
                    sample = wrk_mix(kb, tsv, args.duration, args.connections, args.client_cpu)
                    results.workers.append(RoundResult(name, sample, cache_stats(kb, workers)))
            print(f"  workers round {i + 1} of {args.rounds} done", file=sys.stderr, flush=True)
        out["workers"] = report_workers(results.workers, args)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nlogs, the request file and the recorded answers: {logs}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
