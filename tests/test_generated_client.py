"""A Python client generated from the OpenAPI document (openapi-python-client) works
against a real server, and the generator has nothing to warn about."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from tests.servers import serving

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def test_the_openapi_document_is_valid(app: Any) -> None:
    validate(json.loads(json.dumps(app.openapi())))  # as served: JSON, string status keys


def test_a_generated_client_reads_searches_and_pages(empty_url: str, tmp_path: Path) -> None:
    with serving(empty_url, tmp_path / "serve.log") as server:
        spec = server.client.get("/openapi.json").json()
        (tmp_path / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
        run = subprocess.run(
            [str(GENERATOR), "generate", "--path", "openapi.json", "--meta", "none"],
            cwd=tmp_path,
            env={**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output
        assert "warning" not in output.lower(), output
        sys.path.insert(0, str(tmp_path))
        try:
            package = next(p.name for p in tmp_path.iterdir() if (p / "client.py").exists())
            client_module = importlib.import_module(f"{package}.client")
            get_organisation = importlib.import_module(
                f"{package}.api.organisations.get_organisation"
            )
            search = importlib.import_module(f"{package}.api.search.search")
            list_events = importlib.import_module(f"{package}.api.events.list_events")
            client = client_module.Client(base_url=server.base)

            smk = get_organisation.sync(
                client=client, organisation_id="socialist-movement-of-kazakhstan"
            )
            assert smk.name == "Socialist Movement of Kazakhstan"
            assert smk.founding_date is not None  # a field always sent is never Unset

            hits = search.sync(client=client, q="Социалистическое движение Казахстана")
            assert hits.items[0].id == "socialist-movement-of-kazakhstan"

            seen: list[str] = []
            page = list_events.sync(client=client, limit=2)
            while True:
                seen += [event.id for event in page.items]
                if page.cursor is None:
                    break
                page = list_events.sync(client=client, limit=2, cursor=page.cursor)
            assert len(seen) == page.total == len(set(seen))
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.split(".")[0] == package]:
                del sys.modules[name]
