"""Helpers for the export tests: reading each format back."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
import rdflib
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib.compare import isomorphic

from tests.curation.conftest import make_key

BASE = "http://127.0.0.1:8000"  # KB_PUBLIC_BASE_URL's default: the IRIs' base


@pytest.fixture
def writer(app: FastAPI) -> dict[str, str]:
    """A write key, in the test's rolled-back transaction."""
    return make_key(app, "curator", "write")


def export(client: TestClient, export_format: str) -> tuple[int, bytes]:
    """(the KB-Seq header, the file) of ``GET /v1/export?format=...``."""
    response = client.get("/v1/export", params={"format": export_format})
    assert response.status_code == 200, response.text
    return int(response.headers["kb-seq"]), response.content


def ndjson(content: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header record and the entity bodies of an NDJSON export."""
    header, *lines = content.decode().splitlines()
    return json.loads(header), [json.loads(line) for line in lines]


def zip_member(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


def remote_context_loader(client: TestClient) -> Any:
    """A pyld document loader that fetches the context from the app, never the network."""

    def load(url: str, _options: dict[str, Any]) -> dict[str, Any]:
        assert url == f"{BASE}/v1/context.jsonld", url
        response = client.get("/v1/context.jsonld")
        return {"contextUrl": None, "documentUrl": url, "document": response.json()}

    return load


def jsonld_graph(document: Any, client: TestClient | None = None) -> rdflib.Graph:
    """The RDF graph pyld makes of a JSON-LD document (expanded, then N-Quads)."""
    options: dict[str, Any] = {"format": "application/n-quads"}
    if client is not None:
        options["documentLoader"] = remote_context_loader(client)
    triples = jsonld.to_rdf(document, options)  # the default graph only: N-Triples
    graph = rdflib.Graph()
    graph.parse(data=triples, format="nt")
    return graph


def turtle_graph(content: bytes | str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=content, format="turtle")
    return graph


def _lowercase_languages(graph: rdflib.Graph) -> rdflib.Graph:
    """Language tags compare case-insensitively (RDF 1.1 Concepts §3.3; the value space
    is lowercase): pyld lowercases them, rdflib keeps ``kk-Cyrl`` as written."""
    out = rdflib.Graph()
    for s, p, o in graph:
        if isinstance(o, rdflib.Literal) and o.language:
            o = rdflib.Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def same_graph(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    return isomorphic(_lowercase_languages(a), _lowercase_languages(b))
