"""Search's hot modules, compiled to C with mypyc when the machine
can (``scripts/build_native.py``, run by ``make``), and the guard that never lets a
compiled module run older code than its source.

Compiled, the same code runs 1.6-1.9 times as fast (docs/performance.md): search is
Python loops over postings, names and candidates, which mypyc turns into C calls on the
typed values. The extensions are built in place, beside their sources, and an
extension module is imported before a source file of the same name; so the build
records each source's digest (``native.json``), and ``prefer_fresh_sources`` makes
every module of the group load from source when any of them, or the record, no longer
matches. The modules of the group call one another in C: they are all compiled or
all source, never a mix.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE_ROOT = Path(__file__).resolve().parent
# The modules compiled together, as paths from the project root (mypyc's input).
MODULES = (
    "app/core/names.py",
    "app/search/columns.py",
    "app/search/name_table.py",
    "app/search/field_table.py",
    "app/search/service.py",
)
# The group's shared library: app/native__mypyc.<platform>.so.
GROUP = "app.native"
RECORD = PACKAGE_ROOT / "native.json"


def module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def source_path(path: str) -> Path:
    return PACKAGE_ROOT.parent / path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_digests() -> dict[str, str]:
    """Each module's source digest, by its path: what a build records."""
    return {path: digest(source_path(path)) for path in MODULES}


def compiled_modules() -> list[str]:
    """The group's modules that would load as extensions (an extension file beside the
    source), whatever their freshness."""
    found = []
    for path in MODULES:
        source = source_path(path)
        if any(
            source.with_name(source.stem + suffix).exists()
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
        ):
            found.append(module_name(path))
    return found


def recorded() -> dict[str, object] | None:
    """The build's record: whether it compiled, and the digests of the sources it read."""
    try:
        found = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def is_fresh() -> bool:
    """Whether the record is of the group's sources as they are now, every one of them."""
    record = recorded()
    try:
        sources = source_digests()
    except OSError:
        return False
    return record is not None and record.get("sources") == sources


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Finds the group's modules as source files, ahead of their stale extensions."""

    def __init__(self) -> None:
        self._paths = {module_name(path): source_path(path) for path in MODULES}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self._paths.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


def prefer_fresh_sources() -> None:
    """Load the group from source when its extensions are stale (a source changed since
    the build, or no build record): run at ``app``'s import, before any of them is."""
    if compiled_modules() and not is_fresh():
        sys.meta_path.insert(0, _SourceFirst())
