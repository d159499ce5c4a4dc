"""Preview (W3C Reconciliation API 0.2): a small self-contained HTML card per entity,
framable by a reconciliation client, where everything shown is escaped data."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.curation.keys import create_key

SMK = "socialist-movement-of-kazakhstan"
HOSTILE_NAME = "<script>alert('name')</script> & \"Co\""
HOSTILE_DESCRIPTION = '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>'


def card(client: TestClient, entity_id: str) -> str:
    response = client.get(f"/v1/reconcile/preview/{entity_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


def test_the_manifest_points_at_the_preview(client: TestClient) -> None:
    preview = client.get("/v1/reconcile").json()["preview"]
    assert preview["width"] > 0
    assert preview["height"] > 0
    path = preview["url"].replace("{{id}}", SMK).removeprefix("http://127.0.0.1:8000")
    assert "Socialist Movement of Kazakhstan" in card(client, path.rsplit("/", 1)[1])


def test_the_card_shows_key_facts_with_their_citations(client: TestClient) -> None:
    html = card(client, SMK)
    assert "<h1>" in html
    assert "Organisation · political organisation" in html
    assert "a banned communist political organisation in Kazakhstan" in html
    assert "Социалистическое Движение Казахстана" in html  # other names
    # Both founding dates the sources give, each with its own citation.
    assert re.search(r"Founded</dt><dd>2006-02-21<sup[^>]*>\[ref-2\]</sup>", html)
    assert re.search(r"2006-05-21 \(disputed\)<sup[^>]*>\[article\]</sup>", html)
    assert ">Almaty</a>" in html
    assert ">Ainur Kurmanov</a>" in html
    assert "Trotskyism</a> (former)" in html
    # The references cited, with their titles.
    assert "[ref-2] Socialist rock and roll" in html


def test_every_type_of_entity_has_a_card(client: TestClient) -> None:
    assert "Roles</dt>" in card(client, "ainur-kurmanov")
    event = card(client, "zhanaozen-strike-and-shootings")
    assert "Began</dt><dd>2011-12" in event
    assert "people killed: more than 14" in event
    assert "Country</dt><dd>KZ" in card(client, "almaty")
    assert "Trotskyism" in card(client, "trotskyism")


def test_the_card_is_self_contained_and_runs_nothing(client: TestClient) -> None:
    response = client.get(f"/v1/reconcile/preview/{SMK}")
    html = response.text
    assert "<script" not in html
    assert " src=" not in html
    assert "<link" not in html
    assert "@import" not in html
    assert "url(" not in html
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://127.0.0.1:8000/v1/entities/", "https://", "http://")), href
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none';")
    assert "script-src" not in policy
    assert "'unsafe-inline'" not in policy
    assert "sandbox" in policy
    # The one stylesheet is allowed by its hash, and nothing else is.
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}';" in policy


def test_a_reconciliation_client_may_frame_the_card(client: TestClient) -> None:
    headers = client.get(f"/v1/reconcile/preview/{SMK}").headers
    assert "frame-ancestors *" in headers["content-security-policy"]
    assert "," not in headers["content-security-policy"]  # one policy, not the API's too
    assert "x-frame-options" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    # The API's own answers still may not be framed.
    api = client.get("/v1/reconcile").headers
    assert api["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api["x-frame-options"] == "DENY"


def test_an_unknown_entity_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v1/reconcile/preview/nobody")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no entity with id 'nobody'"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_names_and_descriptions_are_escaped(app: FastAPI, client: TestClient) -> None:
    session = app.state.session_factory()
    try:
        writer = {"Authorization": f"Bearer {create_key(session, 'preview-test', 'write')}"}
    finally:
        session.close()
    created = client.post(
        "/v1/organisations",
        json={
            "name": HOSTILE_NAME,
            "description": HOSTILE_DESCRIPTION,
            "website": '"><script>alert(3)</script>',
            "sources": [{"citation": "article", "quote": "Ainur Kurmanov"}],
        },
        headers=writer,
    )
    assert created.status_code == 201, created.text
    html = card(client, created.json()["id"])
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
