"""The README's curation walk-through, run as it is against a real ``kb serve``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.servers import serving

WALKTHROUGH = re.compile(r"<!-- curation-walkthrough -->\n```sh\n(?P<script>.*?)^```", re.S | re.M)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through needs curl")
def test_the_readme_walkthrough_runs_and_does_what_it_says(empty_url: str, tmp_path: Path) -> None:
    match = WALKTHROUGH.search((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert match is not None, "README.md lost its curation walk-through"
    with serving(empty_url, tmp_path / "serve.log") as server:
        environment = {
            **os.environ,
            "KB": server.base,
            "KB_DATABASE_URL": empty_url,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        run = subprocess.run(
            [
                "bash",
                "-euo",
                "pipefail",
                "-c",
                match["script"].replace("| head -n 3", "| head -n 3 || true"),
            ],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        person = httpx.get(f"{server.base}/v1/people/ainur-kurmanov").json()
    assert "Айнур Курманов" in {a["name"] for a in person["aliases"]}
    assert person["description"].startswith("Kazakh socialist activist")
    assert '"actor":"readme-curator"' in run.stdout
    assert "event: change" in run.stdout  # the live feed answered
