"""What sits in front of the writes: the response cache forgets at once in the writing
process, the body limit, and the per-key rate limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.conftest import DATA_DIR, rolled_back
from tests.curation.conftest import QUOTE, make_key

PERSON = "/v1/people/ainur-kurmanov"


@pytest.fixture
def layered_app(seeded_url: str) -> Iterator[FastAPI]:
    """The cache on, a revision check that would not come for an hour, three writes a
    minute per key."""
    app = create_app(
        Settings(
            database_url=seeded_url,
            data_dir=DATA_DIR,
            cache_enabled=True,
            revision_check_interval=3600,
            write_rate_limit="3/minute",
        )
    )
    with rolled_back(app):
        yield app


def test_the_writing_process_never_serves_a_stale_entity_from_its_cache(
    layered_app: FastAPI,
) -> None:
    writer = make_key(layered_app, "cache-writer", "write")
    with TestClient(layered_app) as client:
        first = client.get(PERSON)
        assert client.get(PERSON).headers["etag"] == first.headers["etag"]  # cached
        assert layered_app.state.response_cache.hits >= 1
        patched = client.patch(
            PERSON,
            json={"description": "fresh"},
            headers={**writer, "If-Match": first.headers["etag"]},
        )
        assert patched.status_code == 200
        after = client.get(PERSON)
        assert after.json()["description"] == "fresh"
        assert after.headers["etag"] == patched.headers["etag"]


def test_writes_are_rate_limited_per_key_with_ratelimit_headers(layered_app: FastAPI) -> None:
    first_key = make_key(layered_app, "busy", "write")
    second_key = make_key(layered_app, "calm", "write")
    alias = {"lang": "en", "kind": "other", "sources": [QUOTE]}
    with TestClient(layered_app) as client:
        answers = [
            client.post(f"{PERSON}/aliases", json={**alias, "name": f"Name {n}"}, headers=first_key)
            for n in range(4)
        ]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]
        assert answers[0].headers["ratelimit-limit"] == "3"
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        refused = answers[3]
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"] == "application/problem+json"
        assert "Name 3" not in {a["name"] for a in client.get(PERSON).json()["aliases"]}
        other = client.post(f"{PERSON}/aliases", json={**alias, "name": "Calm"}, headers=second_key)
        assert other.status_code == 201
        assert "ratelimit-limit" not in client.get(PERSON).headers  # reads are not limited


def test_a_body_over_the_limit_is_413_and_writes_nothing(
    client: TestClient, writer: dict[str, str]
) -> None:
    huge = {"name": "x" * (2 * 1024 * 1024), "lang": "en", "kind": "other", "sources": [QUOTE]}
    response = client.post(f"{PERSON}/aliases", json=huge, headers=writer)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
