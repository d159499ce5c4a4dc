"""Answers are gzip-compressed for clients that accept it, when large enough to gain."""

from __future__ import annotations

import gzip

from fastapi.testclient import TestClient

from app.main import GZIP_MINIMUM_BYTES


def test_a_large_answer_is_gzip_compressed_for_a_client_that_accepts_it(
    client: TestClient,
) -> None:
    url = "/v1/organisations?limit=50"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert len(plain.content) > GZIP_MINIMUM_BYTES
    assert "content-encoding" not in plain.headers
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as compressed:
        raw = b"".join(compressed.iter_raw())
        headers = compressed.headers
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    assert len(raw) < len(plain.content) / 4
    assert gzip.decompress(raw) == plain.content


def test_a_small_answer_is_sent_as_it_is(client: TestClient) -> None:
    answer = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert len(answer.content) < GZIP_MINIMUM_BYTES
    assert "content-encoding" not in answer.headers
