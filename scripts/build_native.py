"""Compile the modules of ``app.native.MODULES`` with mypyc, in place, and record their
sources' digests (app/native.json); ``make`` runs it when one of them changes.

    python scripts/build_native.py [--if-stale | --clean]

Without a C compiler (or with mypyc failing), it removes any earlier build, records
that nothing is compiled, and exits 0: the app then runs the same modules as Python
source, slower. ``--if-stale`` builds only when the record does not match the sources
(what ``make`` runs before serving or testing); ``--clean`` only removes.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import native  # noqa: E402  (the project root on the path first)

BUILD = ROOT / "build" / "native"


def _extensions() -> list[Path]:
    """Every extension file in the package: the app has none but this build's (the
    modules' shims and the group's shared library), and one left from a module since
    taken off the list would still be imported before its source."""
    found = {
        path
        for suffix in importlib.machinery.EXTENSION_SUFFIXES  # ".so" holds the others
        for path in native.PACKAGE_ROOT.rglob("*" + suffix)
    }
    return sorted(found)


def clean() -> None:
    for path in _extensions():
        path.unlink()
    native.RECORD.unlink(missing_ok=True)


def _record(sources: dict[str, str], *, compiled: bool) -> None:
    text = json.dumps({"compiled": compiled, "sources": sources}, indent=1) + "\n"
    native.RECORD.write_text(text, encoding="utf-8")


def build(sources: dict[str, str]) -> None:
    # Imported here: mypyc and setuptools are build tools, not the app's dependencies.
    from mypyc.build import mypycify
    from setuptools import Distribution  # type: ignore[import-untyped]

    os.chdir(ROOT)  # mypyc reads pyproject.toml's [tool.mypy] from here
    extensions = mypycify(
        list(native.MODULES), opt_level="3", group_name=native.GROUP, target_dir=str(BUILD)
    )
    distribution = Distribution({"name": "smk-kb-native", "ext_modules": extensions})
    command = distribution.get_command_obj("build_ext")
    command.inplace = True
    command.build_temp = str(BUILD / "temp")
    distribution.run_command("build_ext")
    # The digests read before compiling: a source edited meanwhile makes the build stale.
    _record(sources, compiled=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--if-stale", action="store_true", help="build only if a source changed")
    choice.add_argument("--clean", action="store_true", help="only remove the build")
    args = parser.parse_args()
    record = native.recorded() or {}
    built = bool(native.compiled_modules())
    if args.if_stale and native.is_fresh() and record.get("compiled") == built:
        return 0  # built from these sources (or found not buildable from them)
    clean()
    if args.clean:
        return 0
    started = time.monotonic()
    sources = native.source_digests()
    try:
        build(sources)
    except (Exception, SystemExit) as exc:  # no compiler, a mypyc error: run as source
        clean()
        shutil.rmtree(BUILD, ignore_errors=True)
        _record(sources, compiled=False)
        print(
            f"build_native: not compiled ({type(exc).__name__}: {exc}); "
            "the app runs these modules as Python source",
            file=sys.stderr,
        )
        return 0
    print(
        f"build_native: compiled {len(native.MODULES)} modules in {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
