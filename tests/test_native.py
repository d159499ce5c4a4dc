"""Search's hot modules compiled with mypyc (app/native.py, scripts/build_native.py):
the compiled modules run only while they are of their sources as they are, and CI,
which has a C compiler, tests the compiled build."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import native

ROOT = Path(__file__).resolve().parents[1]


def _record(path: Path, sources: dict[str, str], *, compiled: bool = True) -> None:
    path.write_text(json.dumps({"compiled": compiled, "sources": sources}), encoding="utf-8")


def test_a_build_is_fresh_only_for_the_sources_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "native.json"
    monkeypatch.setattr(native, "RECORD", record)
    sources = native.source_digests()
    assert not native.is_fresh()  # no record
    _record(record, sources)
    assert native.is_fresh()
    first = native.MODULES[0]
    _record(record, {**sources, first: "0" * 64})  # that source changed since
    assert not native.is_fresh()
    _record(record, {path: d for path, d in sources.items() if path != first})
    assert not native.is_fresh()  # a module added to the group since
    _record(record, {**sources, "app/gone.py": "0" * 64})
    assert not native.is_fresh()  # a module taken off the group since
    record.write_text("{not json", encoding="utf-8")
    assert not native.is_fresh()


def test_stale_extensions_give_way_to_their_sources(tmp_path: Path) -> None:
    # In a process of its own: with a record of other sources, every module of the
    # group is imported from its .py file, whether or not an extension is beside it.
    record = tmp_path / "native.json"
    _record(record, dict.fromkeys(native.MODULES, "0" * 64))
    script = f"""
import sys
from pathlib import Path
from app import native  # the package's own guard ran with the real record
assert not any(native.module_name(path) in sys.modules for path in native.MODULES)
native.RECORD = Path({str(record)!r})
native.prefer_fresh_sources()
import {", ".join(native.module_name(path) for path in native.MODULES)}
for path in native.MODULES:
    module = sys.modules[native.module_name(path)]
    assert module.__file__ == str(native.source_path(path)), module.__file__
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(
    not os.environ.get("KB_REQUIRE_NATIVE") and not native.compiled_modules(),
    reason="search's modules are not compiled here (no C compiler: see make native); "
    "CI requires them (KB_REQUIRE_NATIVE=1)",
)
def test_the_compiled_build_is_what_runs() -> None:
    assert native.is_fresh(), "compiled from other sources: run make native"
    assert (native.recorded() or {}).get("compiled") is True
    for path in native.MODULES:
        module = sys.modules.get(native.module_name(path)) or __import__(
            native.module_name(path), fromlist=["_"]
        )
        assert module.__file__ is not None
        assert module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), path
