"""``kb keys``: create, list and revoke the API keys that writes need."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.core.db import create_db_engine
from app.curation.keys import ApiKeyError, create_key, list_keys, revoke_key
from app.models.curation import KEY_SCOPES

keys_cli = typer.Typer(help="API keys for writes (the curation API).", no_args_is_help=True)


@contextmanager
def _session() -> Iterator[Session]:
    engine = create_db_engine(get_settings().database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@keys_cli.command("create")
def create(
    name: str = typer.Option(..., help="Who uses the key: the change log records this name."),
    scope: str = typer.Option("write", help=f"One of {', '.join(KEY_SCOPES)}."),
) -> None:
    """Make a key and print it on stdout, once: only its digest is stored."""
    with _session() as session:
        try:
            key = create_key(session, name, scope)
        except ApiKeyError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
    typer.echo(f"key {name!r} ({scope}) created; it is shown only now:", err=True)
    typer.echo(key)


@keys_cli.command("list")
def list_command() -> None:
    """Every key: name, scope, when made and whether revoked (never the key)."""
    with _session() as session:
        keys = list_keys(session)
    typer.echo(f"{'name':<30} {'scope':<6} {'created':<20} revoked")
    for key in keys:
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M:%S") if key.revoked_at else "-"
        created = key.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{key.name:<30} {key.scope:<6} {created:<20} {revoked}")


@keys_cli.command("revoke")
def revoke(name: str = typer.Argument(..., help="The key's name.")) -> None:
    """Revoke a key: its next request gets 401."""
    with _session() as session:
        try:
            revoke_key(session, name)
        except ApiKeyError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
    typer.echo(f"key {name!r} revoked")
