"""Export benchmark: time and peak memory of ``kb export`` on a large knowledge base.

    python -m benchmarks.export --database-url sqlite:////tmp/kb-1m.sqlite3 \\
        [--generate 1000000] [--format ndjson --format csv]

Runs ``kb export --format F --output FILE`` as a child process for each format and
reports the wall time, the child's peak resident memory (``ru_maxrss`` from
``wait4``: the high-water mark of the process, not a sample), the file size and the
seq the export states. The budget is flat memory: ``MEMORY_BUDGET_MB`` at a million
entities. ``--generate N`` first builds the database with ``kb generate --entities N``
when it has no entities yet (a million takes several minutes: build it once and reuse
it). The database is only read; the exported files go to a temporary folder, removed
afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.models import Entity

BIN = Path(sys.executable).parent
MEMORY_BUDGET_MB = 300.0
_SEQ = re.compile(r"at seq (\d+)")


@dataclass(frozen=True)
class ExportReport:
    format: str
    entities: int
    seq: int
    seconds: float
    peak_rss_mb: float
    file_mb: float

    @property
    def within_budget(self) -> bool:
        return self.peak_rss_mb < MEMORY_BUDGET_MB

    def render(self) -> str:
        verdict = "ok" if self.within_budget else f"OVER {MEMORY_BUDGET_MB:.0f} MB"
        rate = self.entities / self.seconds if self.seconds else 0.0
        return (
            f"{self.format:<7} {self.entities:>9} entities  seq {self.seq:<9} "
            f"{self.seconds:8.1f} s  {rate:8.0f} entities/s  "
            f"peak RSS {self.peak_rss_mb:7.1f} MB ({verdict})  file {self.file_mb:9.1f} MB"
        )


def count_entities(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Entity)) or 0)
    except SQLAlchemyError:
        return 0  # no database, or no tables yet
    finally:
        engine.dispose()


def _generate(database_url: str, entities: int) -> None:
    env = {**os.environ, "KB_DATABASE_URL": database_url}
    subprocess.run([str(BIN / "kb"), "generate", "--entities", str(entities)], env=env, check=True)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":  # fold the write-ahead log into the file
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        engine.dispose()


def _export(database_url: str, export_format: str, target: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, what kb export printed) of one export."""
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_LOG_LEVEL": "warning"}
    command = [str(BIN / "kb"), "export", "--format", export_format, "--output", str(target)]
    log = target.with_suffix(".log")
    with log.open("wb") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    printed = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"kb export --format {export_format} failed:\n{printed}")
    return seconds, usage.ru_maxrss / 1024, printed  # ru_maxrss is in KB on Linux


def run_export_benchmark(
    database_url: str,
    formats: Sequence[str] = ("ndjson",),
    *,
    generate: int | None = None,
) -> list[ExportReport]:
    """Export the database in each format with ``kb export`` and measure each run. With
    ``generate``, first fill an empty database with that many generated entities."""
    entities = count_entities(database_url)
    if entities == 0 and generate:
        _generate(database_url, generate)
        entities = count_entities(database_url)
    reports = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-export-") as folder:
        for export_format in formats:
            target = Path(folder) / f"export.{export_format}"
            seconds, peak, printed = _export(database_url, export_format, target)
            found = _SEQ.search(printed)
            reports.append(
                ExportReport(
                    format=export_format,
                    entities=entities,
                    seq=int(found.group(1)) if found else -1,
                    seconds=round(seconds, 2),
                    peak_rss_mb=round(peak, 1),
                    file_mb=round(target.stat().st_size / 1e6, 1),
                )
            )
            target.unlink()
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--format",
        action="append",
        choices=["ndjson", "csv", "popolo", "jsonld", "turtle"],
        help="repeat for several (default: ndjson)",
    )
    parser.add_argument("--generate", type=int, help="build an empty database with N entities")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON lines")
    args = parser.parse_args()
    reports = run_export_benchmark(
        args.database_url, args.format or ["ndjson"], generate=args.generate
    )
    for report in reports:
        if args.json:
            print(json.dumps({**asdict(report), "within_budget": report.within_budget}))
        else:
            print(report.render())
    if not all(report.within_budget for report in reports):
        sys.exit(1)


if __name__ == "__main__":
    main()
