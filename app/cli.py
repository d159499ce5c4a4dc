"""The ``kb`` command: check the data, migrate, seed and serve."""

from __future__ import annotations

import sys
import time

import typer

from app.core.config import get_settings
from app.core.db import create_db_engine
from app.core.migrations import StartupLockTimeoutError
from app.curation.keys_cli import keys_cli
from app.exports.cli import export_command
from app.seed.coverage import check_coverage
from app.seed.dataset import DataError, dump_summary, load_dataset
from app.seed.startup import SeedMode, StartupReport, start_up

cli = typer.Typer(
    help="smk-kb: the Socialist Movement of Kazakhstan knowledge base.", no_args_is_help=True
)
cli.add_typer(keys_cli, name="keys")
cli.command("export")(export_command)


@cli.callback()
def root() -> None:
    """smk-kb: the Socialist Movement of Kazakhstan knowledge base.

    Settings come from KB_* environment variables (see the README); the
    database is KB_DATABASE_URL, an SQLite file under ./var by default.
    """


def _report_data_error(exc: DataError) -> None:
    typer.echo(f"The dataset has {len(exc.problems)} problem(s); nothing was written:", err=True)
    for problem in exc.problems:
        typer.echo(f"  {problem}", err=True)


def _start_up(
    *, migrate: bool = True, seed_mode: SeedMode = "never", force: bool = False
) -> StartupReport:
    """Under the start-up lock: migrate, rebuild stale search tables, seed (app.seed.startup)."""
    settings = get_settings()
    try:
        return start_up(
            settings.database_url,
            settings.data_dir,
            migrate=migrate,
            seed_mode=seed_mode,
            force=force,
            lock_timeout=settings.startup_lock_timeout,
            say=lambda message: typer.echo(message, err=True),
        )
    except DataError as exc:
        _report_data_error(exc)
        raise typer.Exit(1) from None
    except StartupLockTimeoutError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


@cli.command("check-data")
def check_data() -> None:
    """Parse the article and validate every curated file, without touching a database."""
    try:
        dataset = load_dataset(get_settings().data_dir)
    except DataError as exc:
        _report_data_error(exc)
        raise typer.Exit(1) from None
    typer.echo(dump_summary(dataset))


@cli.command("check-coverage")
def check_coverage_command() -> None:
    """Check that every sentence of the article is held by records or excluded with a reason."""
    data_dir = get_settings().data_dir
    try:
        dataset = load_dataset(data_dir)
    except DataError as exc:
        _report_data_error(exc)
        raise typer.Exit(1) from None
    report = check_coverage(dataset, data_dir)
    if report.problems:
        _report_data_error(DataError(report.problems))
        raise typer.Exit(1)
    covered = len(report.sentences) - len(report.excluded)
    typer.echo(
        f"{covered} of {len(report.sentences)} sentences covered, "
        f"{len(report.excluded)} excluded with a reason"
    )


@cli.command()
def migrate() -> None:
    """Apply every pending database migration (Alembic upgrade to head, in one
    transaction), then rebuild the search tables if they are empty or out of date."""
    _start_up()
    typer.echo("database schema is up to date")


@cli.command("seed")
def seed_command(
    migrate_first: bool = typer.Option(
        True, "--migrate/--no-migrate", help="Apply pending migrations before seeding."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Take the seed's values over edits made through the API: overwrite curated"
        " rows and their sources, insert rows deleted through the API again.",
    ),
) -> None:
    """Load the article and curated data into the database: checked first, applied in one
    transaction, idempotent (a second run changes nothing). Prints a count per table.

    A row of the article that was edited or deleted through the API and that the seed
    wants otherwise is a conflict: it is reported and the curated value kept, unless
    --force."""
    started = time.perf_counter()
    report = _start_up(migrate=migrate_first, seed_mode="always", force=force).seeded
    assert report is not None
    typer.echo(report.render())
    typer.echo(f"seeded in {time.perf_counter() - started:.2f}s")


@cli.command()
def generate(
    entities: int = typer.Option(..., "--entities", min=1, help="How many synthetic entities."),
    seed_number: int = typer.Option(1, "--seed", help="Random seed: same seed, same data."),
    batch_size: int = typer.Option(20_000, "--batch-size", min=100, help="Entities per batch."),
) -> None:
    """Build a synthetic knowledge base for scale tests in KB_DATABASE_URL: the real
    dataset plus N generated entities with Cyrillic and Latin names, aliases, links and
    sources. For measuring only: use a database of its own."""
    from app.generate.service import GenerateError
    from app.generate.service import generate as run_generate

    settings = get_settings()
    _start_up()
    engine = create_db_engine(settings.database_url)
    try:
        report = run_generate(
            engine,
            settings.data_dir,
            entities,
            seed_number,
            batch_size,
            progress=lambda line: typer.echo(line, err=True),
        )
    except GenerateError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    for table, count in report.rows.items():
        typer.echo(f"{table:<14} {count:>10}")
    typer.echo(f"generated {report.entities} entities in {report.seconds:.1f}s")


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Number of worker processes."),
    reload: bool = typer.Option(False, help="Restart on code changes (development)."),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", help="Log every request."
    ),
) -> None:
    """Migrate, seed an empty database, then serve the API with uvicorn."""
    import uvicorn  # the server is only needed by this command

    settings = get_settings()
    seeded = _start_up(seed_mode="if-empty").seeded
    if seeded is not None:
        typer.echo(seeded.render())
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level=settings.log_level,
        access_log=access_log,
        # Slow and greedy clients (app/core/limits.py): uvicorn's httptools protocol
        # plus a header timeout and a bound on the request head while it is read.
        http="app.core.limits:LimitedHttpToolsProtocol",
        timeout_keep_alive=settings.keep_alive_timeout,
        limit_concurrency=settings.max_connections,
        h11_max_incomplete_event_size=settings.max_url_bytes + settings.max_header_bytes,
        server_header=False,
    )


def main() -> None:
    sys.exit(cli())
