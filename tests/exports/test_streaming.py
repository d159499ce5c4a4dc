"""Exports are streamed from one snapshot: the seq matches the data even when writes
commit meanwhile, no layer holds the whole file, and `kb export` writes the same files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings, get_settings
from app.core.db import create_db_engine
from app.curation.keys import create_key
from app.exports.rdf import Iris
from app.exports.service import export_chunks
from app.exports.snapshot import open_snapshot
from app.main import create_app
from app.seed.loader import seed
from tests.conftest import DATA_DIR
from tests.curation.conftest import QUOTE
from tests.exports.conftest import BASE, export, ndjson, zip_member

PERSON = "ainur-kurmanov"


@pytest.fixture
def own_app(migrated_url: str) -> Iterator[tuple[FastAPI, TestClient, dict[str, str]]]:
    """An app on a database of its own, whose writes commit, with a write key."""
    engine = create_db_engine(migrated_url)
    seed(engine, DATA_DIR)
    engine.dispose()
    app = create_app(Settings(database_url=migrated_url, data_dir=DATA_DIR, cache_enabled=False))
    with TestClient(app) as client:
        with app.state.session_factory() as session:
            key = create_key(session, "curator", "write")
        yield app, client, {"Authorization": f"Bearer {key}"}


def test_a_write_committed_during_an_export_is_not_in_it_and_its_seq_is_later(
    own_app: tuple[FastAPI, TestClient, dict[str, str]],
) -> None:
    app, client, writer = own_app
    snapshot = open_snapshot(app.state.session_factory)
    try:
        chunks = export_chunks(snapshot, "ndjson", Iris(BASE))
        first = next(chunks)  # the header: the snapshot is taken
        added = client.post(
            f"/v1/people/{PERSON}/aliases",
            json={"name": "Айнур Курманов", "lang": "ru-Cyrl", "kind": "other", "sources": [QUOTE]},
            headers=writer,
        )
        assert added.status_code == 201, added.text
        during = first + b"".join(chunks)
    finally:
        snapshot.close()
    header, bodies = ndjson(during)
    person = next(b for b in bodies if b["id"] == PERSON)
    assert "Айнур Курманов" not in [a["name"] for a in person["aliases"]]

    seq, after = export(client, "ndjson")
    later_header, later_bodies = ndjson(after)
    assert seq == later_header["seq"] > header["seq"]
    changes = client.get("/v1/changes", params={"since": header["seq"]}).json()["items"]
    assert [c["entity"] for c in changes] == [PERSON]
    person = next(b for b in later_bodies if b["id"] == PERSON)
    assert "Айнур Курманов" in [a["name"] for a in person["aliases"]]


def _asgi_get(app: FastAPI, path: str, query: bytes) -> list[Message]:
    """Every message the application sends for one GET, as the server receives them."""
    messages: list[Message] = []

    async def run() -> None:
        asked = False

        async def receive() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await anyio.sleep_forever()
            raise AssertionError  # never reached

        async def send(message: Message) -> None:
            messages.append(message)

        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"accept-encoding", b"gzip")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await app(scope, receive, send)

    anyio.run(run)
    return messages


def test_the_export_reaches_the_server_in_pieces_past_every_buffering_layer(
    app: FastAPI,
) -> None:
    messages = _asgi_get(app, "/v1/export", b"format=ndjson")
    start, *bodies = messages
    assert start["status"] == 200
    headers = dict(start["headers"])
    # Neither gzip nor the ETag layer (which would hash a whole body) saw it.
    assert b"content-encoding" not in headers
    assert headers[b"etag"].startswith(b'"export.ndjson.r')
    pieces = [m["body"] for m in bodies if m["body"]]
    assert len(pieces) >= 2  # the header record, then each batch of bodies
    assert not bodies[-1]["more_body"]
    header, entities = ndjson(b"".join(pieces))
    assert header["seq"] == int(headers[b"kb-seq"])
    assert entities


@pytest.fixture
def run_kb(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> Any:
    def run(*args: str) -> Any:
        monkeypatch.setenv("KB_DATABASE_URL", seeded_url)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, list(args))
        finally:
            get_settings.cache_clear()

    return run


def test_kb_export_writes_the_same_file_as_the_api(
    run_kb: Any, client: TestClient, tmp_path: Path
) -> None:
    target = tmp_path / "kb.ndjson"
    result = run_kb("export", "--format", "ndjson", "--output", str(target))
    assert result.exit_code == 0, result.output
    seq, content = export(client, "ndjson")
    assert f"at seq {seq}" in result.output
    assert target.read_bytes() == content
    assert not (tmp_path / "kb.ndjson.partial").exists()


def test_kb_export_writes_to_standard_output_without_output(run_kb: Any) -> None:
    result = run_kb("export", "--format", "turtle")
    assert result.exit_code == 0, result.output
    assert "kb:seq" in result.stdout


def test_kb_export_writes_a_zip_for_csv(run_kb: Any, tmp_path: Path) -> None:
    target = tmp_path / "kb.zip"
    assert run_kb("export", "--format", "csv", "-o", str(target)).exit_code == 0
    assert b'"seq"' in zip_member(target.read_bytes(), "datapackage.json")


def test_kb_export_refuses_an_unknown_format(run_kb: Any) -> None:
    result = run_kb("export", "--format", "xml")
    assert result.exit_code == 2


@pytest.mark.parametrize("export_format", ["ndjson", "csv", "popolo", "jsonld", "turtle"])
def test_the_same_revision_gives_the_same_bytes_so_the_etag_holds(
    client: TestClient, export_format: str
) -> None:
    first = client.get("/v1/export", params={"format": export_format})
    second = client.get("/v1/export", params={"format": export_format})
    assert first.headers["etag"] == second.headers["etag"]
    assert first.content == second.content
