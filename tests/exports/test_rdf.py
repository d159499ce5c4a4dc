"""JSON-LD and Turtle: schema.org terms where they exist, a documented vocabulary of our
own for the rest, and the two formats give the same graph."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Literal, URIRef

from app.core.vocabulary import ENTITY_TYPES
from app.exports.vocabulary import FIELD_TERMS, KB, RDF, RDFS, SCHEMA, TERMS, XSD, context
from app.models.subtypes import field_name, subtype_columns
from tests.exports.conftest import BASE, export, jsonld_graph, same_graph, turtle_graph

A = URIRef(RDF + "type")
PARTIAL_DATES = {URIRef(XSD + t) for t in ("gYear", "gYearMonth", "date")}
EXPORT = URIRef(f"{BASE}/v1/export")
SMK = URIRef(f"{BASE}/v1/entities/socialist-movement-of-kazakhstan")


@pytest.fixture(scope="module")
def graphs(client: TestClient) -> tuple[int, dict[str, Any], rdflib.Graph, rdflib.Graph]:
    seq, jsonld_content = export(client, "jsonld")
    turtle_seq, turtle_content = export(client, "turtle")
    assert seq == turtle_seq
    document = json.loads(jsonld_content)
    return seq, document, jsonld_graph(document), turtle_graph(turtle_content)


def test_the_jsonld_and_the_turtle_exports_are_the_same_graph(
    graphs: tuple[int, dict[str, Any], rdflib.Graph, rdflib.Graph],
) -> None:
    _, _, from_jsonld, from_turtle = graphs
    assert len(from_jsonld) > 1000
    assert same_graph(from_jsonld, from_turtle)


def test_both_state_the_seq_in_the_graph(
    graphs: tuple[int, dict[str, Any], rdflib.Graph, rdflib.Graph], client: TestClient
) -> None:
    seq, document, from_jsonld, from_turtle = graphs
    seq_term = URIRef(KB + "seq")
    for graph in (from_jsonld, from_turtle):
        assert graph.value(EXPORT, seq_term) == Literal(seq)
        assert (EXPORT, A, URIRef(SCHEMA + "Dataset")) in graph
    assert document["@graph"][0]["seq"] == seq
    _, turtle_content = export(client, "turtle")
    assert f"\n# seq {seq}\n" in turtle_content.decode()


def test_entities_use_schema_org_terms(
    graphs: tuple[int, dict[str, Any], rdflib.Graph, rdflib.Graph], client: TestClient
) -> None:
    _, _, graph, _ = graphs
    body = client.get("/v1/organisations/socialist-movement-of-kazakhstan").json()
    assert (SMK, A, URIRef(SCHEMA + "Organization")) in graph
    assert graph.value(SMK, URIRef(SCHEMA + "name")) == Literal(body["name"])
    founding = graph.value(SMK, URIRef(SCHEMA + "foundingDate"))
    assert str(founding) == body["founding_date"]
    assert isinstance(founding, Literal)
    assert founding.datatype in PARTIAL_DATES
    names = {str(n) for n in graph.objects(SMK, URIRef(SCHEMA + "alternateName"))}
    assert names == {a["name"] for a in body["aliases"]}
    person = URIRef(f"{BASE}/v1/entities/ainur-kurmanov")
    assert (person, A, URIRef(SCHEMA + "Person")) in graph
    assert set(graph.objects(person, URIRef(SCHEMA + "memberOf")))


def test_disputes_statements_and_quotes_use_the_kb_vocabulary(
    graphs: tuple[int, dict[str, Any], rdflib.Graph, rdflib.Graph],
) -> None:
    _, _, graph, _ = graphs
    kb = rdflib.Namespace(KB)
    claims = list(graph.subjects(A, kb.Claim))
    assert claims  # the Socialist Resistance's founding date is disputed
    for claim in claims:
        assert graph.value(claim, kb.field) is not None
        for source in graph.objects(claim, kb.source):
            assert isinstance(graph.value(source, kb.quote), Literal)
            assert str(graph.value(source, kb.citation)).startswith(f"{BASE}/v1/citations/")
    statements = list(graph.subjects(A, kb.Statement))
    assert statements
    assert all(graph.value(s, kb.property) is not None for s in statements)
    citation = URIRef(f"{BASE}/v1/citations/ref-2")
    assert (citation, A, URIRef(SCHEMA + "CreativeWork")) in graph


def test_every_entity_field_and_every_term_in_use_is_declared(
    graphs: tuple[int, dict[str, Any], rdflib.Graph, rdflib.Graph],
) -> None:
    for entity_type in ENTITY_TYPES:
        for column in subtype_columns(entity_type):
            assert field_name(column) in FIELD_TERMS, (entity_type, column.name)
    _, _, graph, _ = graphs
    declared = {term.iri for term in TERMS} | {str(A)}
    used = {str(p) for p in graph.predicates()} | {str(o) for o in graph.objects(None, A)}
    assert used <= declared, used - declared


def test_the_context_is_served_and_documents_every_term(client: TestClient) -> None:
    response = client.get("/v1/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == {
        **context(),
        "rdf": RDF,
        "rdfs": RDFS,
    }
    described = {node["@id"]: node for node in document["@graph"]}
    for term in TERMS:
        node = described[term.curie]
        assert node["rdfs:label"] == term.name
        assert len(node["rdfs:comment"]) > 10
    own = [t for t in TERMS if t.own]
    assert {t.name for t in own} >= {"Statement", "Claim", "Source", "quote", "citation", "seq"}
    graph = jsonld_graph(document)
    statement = URIRef(KB + "Statement")
    assert (statement, A, URIRef(RDFS + "Class")) in graph
