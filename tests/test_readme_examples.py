"""The README's curl examples are the app's real answers (scripts/readme_examples.py)."""

from __future__ import annotations

from pathlib import Path

from scripts.readme_examples import MARKER, README, client_on_seeded_database, rewrite


def test_the_readme_examples_match_the_app(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    assert len(MARKER.findall(text)) >= 8
    with client_on_seeded_database(tmp_path) as client:
        assert rewrite(text, client) == text, (
            "README examples drifted: run python -m scripts.readme_examples"
        )
