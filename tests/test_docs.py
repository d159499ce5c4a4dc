"""Docs tested against code: every setting, route and command is in the README."""

from __future__ import annotations

from fastapi import FastAPI
from typer.main import get_command

from app.cli import cli
from app.core.config import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    for name in Settings.model_fields:
        assert f"`KB_{name.upper()}`" in README, name


def test_every_route_is_in_the_readme(app: FastAPI) -> None:
    schema = app.openapi()
    for path in schema["paths"]:
        documented = path.split("/{")[0]
        assert f"`GET {documented}" in README, path


def test_every_kb_command_is_in_the_readme() -> None:
    for name in get_command(cli).commands:  # type: ignore[attr-defined]
        assert f"kb {name}" in README, name


def test_the_readme_gives_the_two_commands() -> None:
    assert "make run" in README
    assert "make test" in README


def test_the_architecture_doc_explains_the_schema_choice() -> None:
    text = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "One entity table with subtype tables" in text
