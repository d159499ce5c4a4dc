"""Keys for the curation tests: made in the test's own rolled-back transaction."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.curation.keys import create_key

QUOTE = {"citation": "article", "quote": "Ainur Kurmanov"}


def make_key(app: FastAPI, name: str, scope: str) -> dict[str, str]:
    session = app.state.session_factory()
    try:
        return {"Authorization": f"Bearer {create_key(session, name, scope)}"}
    finally:
        session.close()


@pytest.fixture
def writer(app: FastAPI) -> dict[str, str]:
    return make_key(app, "curator", "write")


@pytest.fixture
def admin(app: FastAPI) -> dict[str, str]:
    return make_key(app, "admin", "admin")


def etag(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def rename(client: TestClient, app: FastAPI, path: str, name: str) -> None:
    """A curator renames the entity at ``path`` (through ``client``, served by ``app``)."""
    renamed = client.patch(
        path,
        json={"name": name, "sources": [QUOTE]},
        headers={**make_key(app, "curator", "write"), "If-Match": etag(client, path)},
    )
    assert renamed.status_code == 200, renamed.text
