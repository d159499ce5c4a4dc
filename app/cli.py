"""The ``kb`` command: check the data, migrate, seed and serve."""

from __future__ import annotations

import sys

import typer

from app.core.config import get_settings
from app.seed.dataset import DataError, dump_summary, load_dataset

cli = typer.Typer(help="smk-kb: the Socialist Movement of Kazakhstan knowledge base.", no_args_is_help=True)


@cli.callback()
def root() -> None:
    """smk-kb: the Socialist Movement of Kazakhstan knowledge base."""


@cli.command("check-data")
def check_data() -> None:
    """Parse the article and validate every curated file, without touching a database."""
    try:
        dataset = load_dataset(get_settings().data_dir)
    except DataError as exc:
        typer.echo(f"The dataset has {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None
    typer.echo(dump_summary(dataset))


def main() -> None:
    sys.exit(cli())
