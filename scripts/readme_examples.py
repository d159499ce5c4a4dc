"""The README's curl examples, produced from the running app.

Each example in README.md is a marker line followed by a ``sh`` code block:

    <!-- example: GET /v1/places/almaty -->
    ```sh
    $ curl -s http://127.0.0.1:8000/v1/places/almaty
    {...the answer, shortened...}
    ```

``python -m scripts.readme_examples`` seeds a scratch SQLite database, asks the app
for each marked request and rewrites the blocks; ``--check`` only reports blocks that
differ (tests/test_readme_examples.py runs it, so the README cannot drift). Answers
are shortened the same way every time: lists keep their first items and say how many
more there are, long strings are cut, and timestamps are shown as a placeholder.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.core.config import PROJECT_ROOT, Settings
from app.core.db import create_db_engine
from app.core.migrations import upgrade
from app.main import create_app
from app.seed.loader import seed

README = PROJECT_ROOT / "README.md"
BASE = "http://127.0.0.1:8000"
MARKER = re.compile(
    r"^<!-- example: (?P<method>GET|POST|OPTIONS) (?P<path>\S+)(?P<options>[^>]*?) -->\n"
    r"```sh\n.*?^```\n",
    re.MULTILINE | re.DOTALL,
)
LIST_ITEMS = 2
STRING_CHARS = 110
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def shorten(value: Any, items: int) -> Any:
    if isinstance(value, dict):
        return {k: shorten(v, items) for k, v in value.items()}
    if isinstance(value, list):
        kept = [shorten(v, items) for v in value[:items]]
        return kept + ([f"… {len(value) - items} more"] if len(value) > items else [])
    if isinstance(value, str):
        if TIMESTAMP.match(value):
            return "<timestamp>"
        return value if len(value) <= STRING_CHARS else value[: STRING_CHARS - 1] + "…"
    return value


def _command(method: str, path: str) -> str:
    if method == "GET":
        return f"$ curl -s '{BASE}{path}'" if "?" in path else f"$ curl -s {BASE}{path}"
    return f"$ curl -s -X {method} '{BASE}{path}'"


def render(client: TestClient, method: str, path: str, options: str) -> str:
    settings = dict(re.findall(r"(\w+)=(\S+)", options))
    response = client.request(method, path)
    lines = [_command(method, path)]
    if settings.get("show") == "headers":
        shown = settings.get("headers", "").split(",")
        lines.append(f"HTTP/1.1 {response.status_code}")
        lines += [f"{name}: {response.headers[name]}" for name in shown if name in response.headers]
    else:
        body = shorten(response.json(), int(settings.get("items", LIST_ITEMS)))
        lines.append(json.dumps(body, indent=2, ensure_ascii=False))
    return "\n".join(lines)


def rewrite(text: str, client: TestClient) -> str:
    def block(match: re.Match[str]) -> str:
        header = match.group(0).split("\n", 1)[0]
        output = render(client, match["method"], match["path"], match["options"])
        return f"{header}\n```sh\n{output}\n```\n"

    return MARKER.sub(block, text)


def client_on_seeded_database(folder: Path) -> TestClient:
    url = f"sqlite:///{folder / 'examples.sqlite3'}"
    upgrade(url)
    engine = create_db_engine(url)
    seed(engine, PROJECT_ROOT / "data")
    engine.dispose()
    settings = Settings(database_url=url, data_dir=PROJECT_ROOT / "data", cache_enabled=False)
    return TestClient(create_app(settings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder, client_on_seeded_database(Path(folder)) as client:
        updated = rewrite(text, client)
    if updated == text:
        print("README examples are up to date")
        return 0
    if args.check:
        print("README examples differ from the app: run python -m scripts.readme_examples")
        return 1
    README.write_text(updated, encoding="utf-8")
    print("README examples rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
