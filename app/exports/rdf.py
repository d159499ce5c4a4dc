"""Entity bodies as RDF: one graph, written as JSON-LD or as Turtle.

A body becomes a small tree of ``Node``s (the entity, its facts, their sources) in the
terms of ``app.exports.vocabulary``; the two writers walk the same tree, so the JSON-LD
and the Turtle of an entity are the same graph. Nothing here needs an RDF library.

IRIs: an entity is ``{base}/v1/entities/{id}``, a citation ``{base}/v1/citations/{id}``,
a fact (alias, membership, relation, ...) ``{owner}#{fact id}``, where the owner is the
entity the fact belongs to (an alias's entity, a relation's or statement's subject, a
membership's person, a participation's, event place's or figure's event), and a source
``{fact}.source-{hash}`` (``{entity}#source-{hash}`` for an entity's own), the hash of
its citation and quote. A fact that shows in two bodies (a membership on the person and
on the organisation) has one IRI, and there are no blank nodes but an ``as_of`` note's.

A fact whose subject is another entity (an incoming relation: ``<other> kb:relation
<fact>``) hangs off the entity by a *reverse* link (JSON-LD's ``@reverse``), so one
entity's JSON-LD is always one node object. In a bulk export each fact is written once,
by its owner (``owned_only``); one entity's representation has every fact its JSON body
lists, and the type and name of the entities it refers to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import orjson

from app.core.schemas import EntityRef, SourceRead
from app.exports.vocabulary import BY_NAME, CONTEXT_PATH, FIELD_TERMS, PREFIXES, TYPE_CLASSES
from app.models.subtypes import field_name, subtype_columns
from app.provenance.changes import iso_timestamp
from app.provenance.schemas import (
    AnyEntityRead,
    EventRead,
    OrganisationRead,
    PersonRead,
    PlaceRead,
    StatementRead,
)

# --- The graph ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal: a string (with a language, or a datatype such as ``xsd:gYear``), an
    integer or a boolean."""

    value: str | int | bool
    datatype: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """An IRI, with the type and name of the entity it names when they are to be said."""

    iri: str
    type: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Node:
    """A resource: its properties in order, and ``reverse``, the links *to* it
    (``(term, x)``: ``x term this``). ``iri`` None is a blank node."""

    iri: str | None
    type: str | None
    props: list[tuple[str, Value]] = field(default_factory=list)
    reverse: list[tuple[str, Node | Ref]] = field(default_factory=list)

    def add(self, term: str, value: Value | None) -> None:
        if value is not None:
            self.props.append((term, value))

    def add_reverse(self, term: str, subject: Node | Ref) -> None:
        self.reverse.append((term, subject))


Value = Lit | Ref | Node


@dataclass(frozen=True)
class Iris:
    """The IRIs of one deployment (``KB_PUBLIC_BASE_URL``)."""

    base: str

    def entity(self, entity_id: str) -> str:
        return f"{self.base}/v1/entities/{quote(entity_id, safe='')}"

    def citation(self, citation_id: str) -> str:
        return f"{self.base}/v1/citations/{quote(citation_id, safe='')}"

    def fact(self, owner_id: str, fact_id: str) -> str:
        return f"{self.entity(owner_id)}#{quote(fact_id, safe='')}"

    def export(self) -> str:
        return f"{self.base}/v1/export"

    def context(self) -> str:
        return f"{self.base}{CONTEXT_PATH}"


# --- Values ---------------------------------------------------------------------------

_DATE_TYPES = {4: "xsd:gYear", 7: "xsd:gYearMonth", 10: "xsd:date"}


def date(value: str | None) -> Lit | None:
    """A partial ISO date as a typed literal: ``2006`` xsd:gYear, ``2006-02``
    xsd:gYearMonth, ``2006-02-20`` xsd:date."""
    if value is None:
        return None
    datatype = _DATE_TYPES.get(len(value))
    return Lit(value, datatype) if datatype else Lit(value)


def timestamp(value: dt.datetime) -> Lit:
    return Lit(iso_timestamp(value), "xsd:dateTime")


def number(value: float | int | None) -> Lit | None:
    """An integral number is an xsd:integer, any other an xsd:decimal (never a double:
    JSON-LD and Turtle write doubles differently)."""
    if value is None:
        return None
    if isinstance(value, int) or value.is_integer():
        return Lit(int(value))
    return Lit(format(Decimal(repr(value)), "f"), "xsd:decimal")


def text(value: str | None, lang: str | None = None) -> Lit | None:
    return None if value is None else Lit(value, lang=lang)


def flag(value: bool) -> Lit:
    return Lit(value)


def source_iri(fact_iri: str, source: SourceRead) -> str:
    """A source's IRI: its fact's, with a hash of its citation and quote (sources have no
    id in bodies). The same evidence keeps the same IRI from one export to the next, so
    two exports compare triple by triple (blank nodes are what makes that hard)."""
    evidence = f"{source.citation}\x00{source.quote}".encode()
    digest = hashlib.blake2b(evidence, digest_size=6).hexdigest()
    separator = "." if "#" in fact_iri else "#"
    return f"{fact_iri}{separator}source-{digest}"


# --- Bodies to nodes ------------------------------------------------------------------


class _Builder:
    def __init__(self, iris: Iris, *, owned_only: bool) -> None:
        self.iris = iris
        self.owned_only = owned_only

    def ref(self, entity: EntityRef) -> Ref:
        """Another entity; named, in a single entity's representation."""
        if self.owned_only:
            return Ref(self.iris.entity(entity.id))
        return Ref(self.iris.entity(entity.id), TYPE_CLASSES[entity.type], entity.name)

    def fact(self, owner: str, fact_id: str, type_: str) -> Node:
        return Node(self.iris.fact(owner, fact_id), type_)

    def sources(self, node: Node, sources: Iterable[SourceRead]) -> None:
        for source in sources:
            evidence = Node(source_iri(node.iri or "", source), "Source")
            evidence.add("citation", Ref(self.iris.citation(source.citation)))
            evidence.add("quote", Lit(source.quote))
            node.add("source", evidence)

    def entity(self, body: AnyEntityRead) -> Node:
        eid = body.id
        node = Node(self.iris.entity(eid), TYPE_CLASSES[body.type])
        node.add("identifier", Lit(eid))
        node.add("name", Lit(body.name))
        node.add("description", text(body.description))
        node.add("version", Lit(body.version))
        node.add("dateModified", timestamp(body.updated_at))
        self.own_fields(node, body)
        for alias in body.aliases:
            node.add("alternateName", Lit(alias.name, lang=alias.lang))
        for alias in body.aliases:
            fact = self.fact(eid, alias.id, "Alias")
            fact.add("name", Lit(alias.name, lang=alias.lang))
            fact.add("kind", Lit(alias.kind))
            fact.add("startDate", date(alias.start_date))
            fact.add("endDate", date(alias.end_date))
            self.sources(fact, alias.sources)
            node.add("alias", fact)
        self.sources(node, body.sources)
        for field_, claims in body.disputed.items():
            for claim in claims:
                fact = self.fact(eid, claim.id, "Claim")
                fact.add("field", Lit(field_))
                fact.add("value", Lit(claim.value))
                self.sources(fact, claim.sources)
                node.add("disputed", fact)
        self.relations(node, body)
        for statement in body.statements:
            node.add("statement", self.statement(eid, statement))
        if body.as_of is not None:
            as_of = Node(None, "AsOf")
            as_of.add("date", date(body.as_of.date))
            as_of.add("existed", None if body.as_of.existed is None else flag(body.as_of.existed))
            as_of.add("note", text(body.as_of.note))
            node.add("asOf", as_of)
        if isinstance(body, OrganisationRead | PersonRead):
            self.memberships(node, body)
            self.participations(node, body)
        elif isinstance(body, EventRead):
            self.event(node, body)
        elif isinstance(body, PlaceRead):
            self.place_events(node, body)
        return node

    def own_fields(self, node: Node, body: AnyEntityRead) -> None:
        for column in subtype_columns(body.type):
            name = field_name(column)
            value = getattr(body, name)
            if value is None:
                continue
            term = FIELD_TERMS[name]
            if isinstance(value, EntityRef):
                node.add(term, self.ref(value))
            elif name.endswith("_date"):
                node.add(term, date(value))
            else:
                node.add(term, Lit(value))

    def relations(self, node: Node, body: AnyEntityRead) -> None:
        """``<subject> kb:relation <fact>``, ``<fact> kb:object <object>``: owned by the
        subject; an incoming one hangs off the object by its ``kb:object`` link."""
        for relation in body.relations:
            outgoing = relation.direction == "outgoing"
            if self.owned_only and not outgoing:
                continue
            subject = body.id if outgoing else relation.target.id
            fact = self.fact(subject, relation.id, "Relation")
            fact.add("verb", Lit(relation.relation))
            if outgoing:
                fact.add("object", self.ref(relation.target))
            fact.add("startDate", date(relation.start_date))
            fact.add("endDate", date(relation.end_date))
            fact.add("inferred", flag(relation.inferred))
            self.sources(fact, relation.sources)
            if outgoing:
                node.add("relation", fact)
            else:
                fact.add_reverse("relation", self.ref(relation.target))
                node.add_reverse("object", fact)

    def statement(self, subject: str, statement: StatementRead) -> Node:
        fact = self.fact(subject, statement.id, "Statement")
        fact.add("property", Lit(statement.property))
        value = statement.value
        if value.type == "entity" and value.entity is not None:
            fact.add("value", self.ref(value.entity))
        elif value.type == "text":
            fact.add("value", text(value.text, value.lang))
        elif value.type == "date":
            fact.add("value", date(value.date))
        else:
            fact.add("value", number(value.amount))
            fact.add("unitText", text(value.unit))
        fact.add("startDate", date(statement.start_date))
        fact.add("endDate", date(statement.end_date))
        fact.add("qualifier", text(statement.qualifier))
        fact.add("inferred", flag(statement.inferred))
        self.sources(fact, statement.sources)
        return fact

    def role(
        self,
        person: str,
        fact_id: str,
        role: str,
        dates: tuple[str | None, str | None],
        inferred: bool,
        sources: Iterable[SourceRead],
    ) -> Node:
        fact = self.fact(person, fact_id, "OrganizationRole")
        fact.add("roleName", Lit(role))
        fact.add("startDate", date(dates[0]))
        fact.add("endDate", date(dates[1]))
        fact.add("inferred", flag(inferred))
        self.sources(fact, sources)
        return fact

    def memberships(self, node: Node, body: OrganisationRead | PersonRead) -> None:
        """schema.org's role pattern: ``<organisation> schema:member <role>``, ``<role>
        schema:member <person>``, and ``<person> schema:memberOf <organisation>``. Owned
        by the person."""
        if isinstance(body, PersonRead):
            for m in body.memberships:
                node.add("memberOf", self.ref(m.organisation))
                role = self.role(
                    body.id, m.id, m.role, (m.start_date, m.end_date), m.inferred, m.sources
                )
                role.add_reverse("member", self.ref(m.organisation))
                node.add_reverse("member", role)  # <role> schema:member <person>
            return
        if self.owned_only:
            return
        for held in body.memberships:
            role = self.role(
                held.person.id,
                held.id,
                held.role,
                (held.start_date, held.end_date),
                held.inferred,
                held.sources,
            )
            role.add("member", self.ref(held.person))
            node.add("member", role)
            node.add_reverse("memberOf", self.ref(held.person))

    def participations(self, node: Node, body: OrganisationRead | PersonRead) -> None:
        """Owned by the event (``<event> kb:participation <fact>``)."""
        if self.owned_only:
            return
        for p in body.events:
            fact = self.fact(p.event.id, p.id, "Participation")
            fact.add("roleName", Lit(p.role))
            fact.add("inferred", flag(p.inferred))
            self.sources(fact, p.sources)
            fact.add_reverse("participation", self.ref(p.event))
            node.add_reverse("participant", fact)  # <fact> kb:participant <this>

    def place_events(self, node: Node, body: PlaceRead) -> None:
        """Owned by the event (``<event> kb:eventPlace <fact>``)."""
        if self.owned_only:
            return
        for e in body.events:
            fact = self.fact(e.event.id, e.id, "EventPlace")
            self.sources(fact, e.sources)
            fact.add_reverse("eventPlace", self.ref(e.event))
            node.add_reverse("location", fact)  # <fact> schema:location <this>
            node.add_reverse("location", self.ref(e.event))  # <event> schema:location <this>

    def event(self, node: Node, body: EventRead) -> None:
        eid = body.id
        for place in body.places:
            node.add("location", self.ref(place))
        for place in body.places:
            fact = self.fact(eid, place.fact_id, "EventPlace")
            fact.add("location", Ref(self.iris.entity(place.id)))
            self.sources(fact, place.sources)
            node.add("eventPlace", fact)
        for participant in body.participants:
            fact = self.fact(eid, participant.id, "Participation")
            fact.add("participant", self.ref(participant.entity))
            fact.add("roleName", Lit(participant.role))
            fact.add("inferred", flag(participant.inferred))
            self.sources(fact, participant.sources)
            node.add("participation", fact)
        for figure in body.figures:
            fact = self.fact(eid, figure.id, "QuantitativeValue")
            fact.add("measure", Lit(figure.measure))
            fact.add("value", number(figure.value))
            fact.add("qualifier", Lit(figure.qualifier))
            fact.add("unitText", text(figure.unit))
            fact.add("accordingTo", text(figure.according_to))
            fact.add("inferred", flag(figure.inferred))
            self.sources(fact, figure.sources)
            node.add("figure", fact)


def entity_node(body: AnyEntityRead, iris: Iris, *, owned_only: bool) -> Node:
    """The entity with its facts: those it owns only (``owned_only``, for bulk exports,
    where every fact is written once), or every fact its body lists."""
    return _Builder(iris, owned_only=owned_only).entity(body)


def citation_node(row: dict[str, Any], iris: Iris) -> Node:
    node = Node(iris.citation(row["id"]), "CreativeWork")
    node.add("identifier", Lit(row["id"]))
    node.add("position", number(row["number"]))
    node.add("name", text(row["title"]))
    node.add("titleEn", text(row["title_en"]))
    node.add("inLanguage", text(row["language"]))
    node.add("author", text(row["author"]))
    node.add("publisher", text(row["publisher"]))
    node.add("volumeNumber", text(row["volume"]))
    node.add("issueNumber", text(row["issue"]))
    node.add("datePublished", date(row["published_date"]))
    node.add("retrievedDate", date(row["retrieved_date"]))
    node.add("archiveDate", date(row["archive_date"]))
    node.add("url", text(row["url"]))
    return node


def export_node(iris: Iris, seq: int, updated_at: dt.datetime | None) -> Node:
    """The export itself: ``<{base}/v1/export> a schema:Dataset ; kb:seq N``."""
    node = Node(iris.export(), "Dataset")
    node.add("seq", Lit(seq))
    node.add("dateModified", None if updated_at is None else timestamp(updated_at))
    return node


# --- JSON-LD --------------------------------------------------------------------------


def _jsonld_ref(ref: Ref) -> dict[str, Any]:
    if ref.name is None:
        return {"@id": ref.iri}
    return {"@id": ref.iri, "@type": ref.type, "name": ref.name}


def _jsonld_value(term: str, value: Value) -> Any:
    if isinstance(value, Node):
        return jsonld_object(value)
    if isinstance(value, Ref):
        if value.name is None and BY_NAME[term].ref:
            return value.iri  # the context makes the string an IRI
        return _jsonld_ref(value)
    if value.lang is not None:
        return {"@value": value.value, "@language": value.lang}
    if value.datatype is not None:
        return {"@value": value.value, "@type": value.datatype}
    return value.value


def jsonld_object(node: Node) -> dict[str, Any]:
    """The node as a JSON-LD node object in the terms of the context."""
    out: dict[str, Any] = {}
    if node.iri is not None:
        out["@id"] = node.iri
    if node.type is not None:
        out["@type"] = node.type
    for term, value in node.props:
        converted = _jsonld_value(term, value)
        if term in out:
            if not isinstance(out[term], list):
                out[term] = [out[term]]
            out[term].append(converted)
        elif BY_NAME[term].multi:
            out[term] = [converted]
        else:
            out[term] = converted
    if node.reverse:
        reverse: dict[str, list[Any]] = {}
        for term, subject in node.reverse:
            item = jsonld_object(subject) if isinstance(subject, Node) else _jsonld_ref(subject)
            reverse.setdefault(term, []).append(item)
        out["@reverse"] = reverse
    return out


def jsonld_document(node: Node, iris: Iris) -> bytes:
    """One entity's JSON-LD: its node object, with the context by reference
    (``GET /v1/context.jsonld``)."""
    return orjson.dumps({"@context": iris.context(), **jsonld_object(node)})


# --- Turtle ---------------------------------------------------------------------------

TURTLE_PREFIXES = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _literal(value: Lit) -> str:
    if isinstance(value.value, bool):
        return "true" if value.value else "false"
    if isinstance(value.value, int):
        return str(value.value)
    quoted = '"' + value.value.translate(_ESCAPES) + '"'
    if value.lang is not None:
        return f"{quoted}@{value.lang}"
    if value.datatype is not None:
        return f"{quoted}^^{value.datatype}"
    return quoted


class _Pending:
    """What a statement refers to that is written after it: nodes with an IRI, and the
    type and name of the entities named (once each)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.names: dict[str, Ref] = {}

    def name(self, ref: Ref) -> None:
        if ref.name is not None:
            self.names.setdefault(ref.iri, ref)


def _object(value: Value, pending: _Pending, indent: str) -> str:
    if isinstance(value, Lit):
        return _literal(value)
    if isinstance(value, Ref):
        pending.name(value)
        return f"<{value.iri}>"
    if value.iri is not None:
        pending.nodes.append(value)
        return f"<{value.iri}>"
    inner = _predicates(value, pending, indent + "    ")
    return f"[\n{inner}\n{indent}]"


def _predicates(node: Node, pending: _Pending, indent: str) -> str:
    lines = []
    if node.type is not None:
        lines.append(f"{indent}a {BY_NAME[node.type].curie}")
    grouped: dict[str, list[str]] = {}
    for term, value in node.props:
        grouped.setdefault(term, []).append(_object(value, pending, indent))
    for term, objects in grouped.items():
        lines.append(f"{indent}{BY_NAME[term].curie} " + ", ".join(objects))
    return " ;\n".join(lines)


def turtle(nodes: Iterable[Node]) -> str:
    """Turtle statements (no prefixes) for the nodes and every node they hold."""
    out: list[str] = []
    queue = list(nodes)
    names: dict[str, Ref] = {}
    while queue:
        node = queue.pop(0)
        pending = _Pending()
        out.append(f"<{node.iri}>\n{_predicates(node, pending, '    ')} .\n")
        for term, subject in node.reverse:
            out.append(f"<{subject.iri}> {BY_NAME[term].curie} <{node.iri}> .\n")
            if isinstance(subject, Node):
                pending.nodes.append(subject)
            else:
                pending.name(subject)
        queue[:0] = pending.nodes
        for iri, ref in pending.names.items():
            names.setdefault(iri, ref)
    for iri, ref in names.items():
        out.append(
            f"<{iri}> a {BY_NAME[ref.type or ''].curie} ; schema:name {_literal(Lit(ref.name or ''))} .\n"
        )
    return "\n".join(out)


def turtle_document(node: Node) -> bytes:
    return (TURTLE_PREFIXES + "\n" + turtle([node])).encode()


# --- One entity's representation -------------------------------------------------------


def render_entity(body: AnyEntityRead, representation: str, iris: Iris) -> bytes:
    """The entity's JSON-LD (``jsonld``) or Turtle (``turtle``)."""
    node = entity_node(body, iris, owned_only=False)
    if representation == "jsonld":
        return jsonld_document(node, iris)
    return turtle_document(node)
