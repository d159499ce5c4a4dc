"""The ``shared/`` folder beside the checkout (official schemas, the seed article).

A user's clone has no ``shared/`` beside it, so tests that need it skip; CI sets
``KB_REQUIRE_SHARED=1`` and then a missing ``shared/`` is a failure, not a skip.
``KB_SHARED_DIR`` names another folder (CI points it at an empty one to run the tests
as a user's clone would).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT

SHARED_DIR = Path(os.environ.get("KB_SHARED_DIR") or PROJECT_ROOT.parent / "shared")
REQUIRE_SHARED = os.environ.get("KB_REQUIRE_SHARED", "") == "1"


def shared_path(*parts: str) -> Path:
    """The path ``../shared/<parts>``; skips the test when it does not exist.

    With ``KB_REQUIRE_SHARED=1`` a missing path fails the test instead.
    """
    __tracebackhide__ = True  # report the skip or failure at the test that asked
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        reason = f"shared/ is not beside this checkout: {path} is missing"
        if REQUIRE_SHARED:
            pytest.fail(f"{reason} (KB_REQUIRE_SHARED=1)")
        pytest.skip(reason)
    return path
