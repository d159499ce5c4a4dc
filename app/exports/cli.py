"""``kb export``: the same exports as ``GET /v1/export``, to a file or standard output."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import BinaryIO

import typer

from app.core.config import get_settings
from app.core.db import create_db_engine, session_factory
from app.exports.rdf import Iris
from app.exports.service import ExportFormatName, export_chunks
from app.exports.snapshot import open_snapshot


def export_command(
    export_format: ExportFormatName = typer.Option(
        "ndjson",
        "--format",
        help="ndjson (one entity body per line), csv (a zipped Frictionless Data Package), "
        "popolo, jsonld or turtle.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="The file to write (replaced only once the export is complete); standard "
        "output without it.",
        dir_okay=False,
    ),
) -> None:
    """Export the whole knowledge base from KB_DATABASE_URL, streamed from one consistent
    snapshot: memory stays flat however large the base. Prints the change seq the export
    reflects; `GET /v1/changes?since=SEQ` has every change made after it."""
    settings = get_settings()
    engine = create_db_engine(settings.database_url, create=False)
    name = export_format
    iris = Iris(settings.public_base_url.rstrip("/"))
    started = time.perf_counter()
    partial = output.with_name(output.name + ".partial") if output else None
    try:
        snapshot = open_snapshot(session_factory(engine))
        sink: BinaryIO = partial.open("wb") if partial else sys.stdout.buffer
        try:
            for chunk in export_chunks(snapshot, name, iris):
                sink.write(chunk)
        finally:
            snapshot.close()
            if partial:
                sink.close()
            else:
                sink.flush()
        if output and partial:
            os.replace(partial, output)
    except BaseException:
        if partial:
            partial.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    where = output or "standard output"
    typer.echo(
        f"exported {name} at seq {snapshot.seq} to {where} in {time.perf_counter() - started:.1f}s",
        err=True,
    )
