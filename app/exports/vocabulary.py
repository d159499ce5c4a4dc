"""The linked-data vocabulary of the JSON-LD and Turtle representations, declared once.

schema.org terms where schema.org has one (Organization, Person, name, alternateName,
foundingDate, ...), and a small vocabulary of this project's own (prefix ``kb:``) for
the rest: statements, disputed values, sourced facts and their quotes. Every term is
declared here with what it means; the JSON-LD context (``GET /v1/context.jsonld``),
the description of each ``kb:`` term served with it, the Turtle prefixes and the
serialisers (``app.exports.rdf``) all derive from this table.

The ``kb:`` namespace is a fixed IRI, like the problem types' (``app.core.errors``):
the same term means the same thing in every deployment. Entities, facts and citations
are IRIs under the deployment's ``KB_PUBLIC_BASE_URL``, where they can be fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

SCHEMA = "https://schema.org/"
KB = "https://smk-kb.example/vocab#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PREFIXES = {"schema": SCHEMA, "kb": KB, "xsd": XSD}

# Where the context is served, relative to the public base URL.
CONTEXT_PATH = "/v1/context.jsonld"


@dataclass(frozen=True)
class Term:
    """A term of the JSON-LD context: a class or a property.

    ``ref``: the property's values are IRIs (entities, facts, citations), so the
    context coerces its plain strings to IRIs. ``multi``: the property may have
    several values, and JSON-LD always writes them as a list.
    """

    name: str
    curie: str
    kind: Literal["class", "property"]
    comment: str
    ref: bool = False
    multi: bool = False

    @property
    def iri(self) -> str:
        prefix, _, local = self.curie.partition(":")
        return PREFIXES[prefix] + local

    @property
    def own(self) -> bool:
        return self.curie.startswith("kb:")


def _class(name: str, curie: str, comment: str) -> Term:
    return Term(name, curie, "class", comment)


def _prop(name: str, curie: str, comment: str, *, ref: bool = False, multi: bool = False) -> Term:
    return Term(name, curie, "property", comment, ref=ref, multi=multi)


TERMS: tuple[Term, ...] = (
    # Classes taken from schema.org.
    _class("Organization", "schema:Organization", "An entity of type `organisation`."),
    _class("Person", "schema:Person", "An entity of type `person`."),
    _class("Event", "schema:Event", "An entity of type `event`."),
    _class("Place", "schema:Place", "An entity of type `place`."),
    _class("DefinedTerm", "schema:DefinedTerm", "An entity of type `concept` (an ideology)."),
    _class("OrganizationRole", "schema:OrganizationRole", "A membership: a person's role."),
    _class("QuantitativeValue", "schema:QuantitativeValue", "A counted outcome of an event."),
    _class("CreativeWork", "schema:CreativeWork", "A citation: a reference or the article."),
    _class("Dataset", "schema:Dataset", "A bulk export of the knowledge base."),
    # Classes of this project.
    _class("Alias", "kb:Alias", "A name variant of an entity, in one language and script."),
    _class(
        "Relation",
        "kb:Relation",
        "A directed, possibly dated link between two entities: the entity that has it "
        "(`kb:relation`), a verb (`kb:verb`) and the other entity (`kb:object`).",
    ),
    _class("Participation", "kb:Participation", "An entity's part in an event, with a role."),
    _class("EventPlace", "kb:EventPlace", "The sourced fact that an event took place somewhere."),
    _class(
        "Statement",
        "kb:Statement",
        "A typed fact no dedicated property holds (ideology, legal status, demands, ...), as "
        "in Wikibase: a property from `GET /v1/properties` and a value.",
    ),
    _class(
        "Claim",
        "kb:Claim",
        "One of the values that sources give for a disputed field; the entity's plain "
        "property holds the best-supported one.",
    ),
    _class(
        "Source",
        "kb:Source",
        "Evidence for one fact: a citation and the verbatim words of the article.",
    ),
    _class("AsOf", "kb:AsOf", "The date a representation is given as of (`?as_of=`)."),
    # Properties taken from schema.org.
    _prop("identifier", "schema:identifier", "The id in this knowledge base."),
    _prop("name", "schema:name", "The preferred English name (or a citation's title)."),
    _prop("description", "schema:description", "A one-line description."),
    _prop("alternateName", "schema:alternateName", "Every name variant.", multi=True),
    _prop("dateModified", "schema:dateModified", "When the current version was written."),
    _prop("foundingDate", "schema:foundingDate", "An organisation's founding date."),
    _prop("dissolutionDate", "schema:dissolutionDate", "An organisation's dissolution date."),
    _prop(
        "location",
        "schema:location",
        "An organisation's headquarters; where an event or event-place fact took place.",
        ref=True,
        multi=True,
    ),
    _prop("url", "schema:url", "A website, or a citation's URL."),
    _prop("birthDate", "schema:birthDate", "A person's date of birth."),
    _prop("deathDate", "schema:deathDate", "A person's date of death."),
    _prop("startDate", "schema:startDate", "When an event, name, membership or fact began."),
    _prop("endDate", "schema:endDate", "When an event, name, membership or fact ended."),
    _prop("containedInPlace", "schema:containedInPlace", "The place a place is part of.", ref=True),
    _prop(
        "member",
        "schema:member",
        "From an organisation to a membership (`OrganizationRole`), and from the membership "
        "to the person (schema.org's role pattern).",
        ref=True,
        multi=True,
    ),
    _prop(
        "memberOf",
        "schema:memberOf",
        "The organisations a person held a role in.",
        ref=True,
        multi=True,
    ),
    _prop("roleName", "schema:roleName", "The role held in a membership or a participation."),
    _prop("value", "schema:value", "A figure's number, a claim's value or a statement's value."),
    _prop("unitText", "schema:unitText", "The unit of a figure or of a quantity statement."),
    _prop("position", "schema:position", "A numbered reference's number in the article."),
    _prop("inLanguage", "schema:inLanguage", "A citation's language."),
    _prop("author", "schema:author", "A citation's author, as the reference gives it."),
    _prop("publisher", "schema:publisher", "A citation's publisher, as the reference gives it."),
    _prop("volumeNumber", "schema:volumeNumber", "A citation's volume."),
    _prop("issueNumber", "schema:issueNumber", "A citation's issue."),
    _prop("datePublished", "schema:datePublished", "A citation's publication date."),
    # Properties of this project.
    _prop("version", "kb:version", "The entity's version: +1 on every change to it or its facts."),
    _prop(
        "classification", "kb:classification", "The kind of organisation, event, place or concept."
    ),
    _prop("politicalPosition", "kb:politicalPosition", "An organisation's political position."),
    _prop("colours", "kb:colours", "An organisation's colours."),
    _prop("countryCode", "kb:countryCode", "A place's country, ISO 3166-1 alpha-2."),
    _prop(
        "alias", "kb:alias", "From an entity to each of its `kb:Alias` facts.", ref=True, multi=True
    ),
    _prop("kind", "kb:kind", "An alias's kind: official, former, abbreviation, romanization, ..."),
    _prop(
        "relation",
        "kb:relation",
        "From the entity a relation starts at to the `kb:Relation`.",
        ref=True,
        multi=True,
    ),
    _prop("verb", "kb:verb", "A relation's verb: section_of, member_of, merged_into, ..."),
    _prop("object", "kb:object", "The entity a relation points to.", ref=True),
    _prop(
        "inferred",
        "kb:inferred",
        "True when the article implies the fact without stating it.",
    ),
    _prop(
        "participation",
        "kb:participation",
        "From an event to each `kb:Participation`.",
        ref=True,
        multi=True,
    ),
    _prop("participant", "kb:participant", "The entity that took part in an event.", ref=True),
    _prop(
        "eventPlace",
        "kb:eventPlace",
        "From an event to each `kb:EventPlace` fact (with its sources).",
        ref=True,
        multi=True,
    ),
    _prop(
        "figure",
        "kb:figure",
        "From an event to each counted outcome (`QuantitativeValue`).",
        ref=True,
        multi=True,
    ),
    _prop("measure", "kb:measure", "What a figure counts: people_killed, people_arrested, ..."),
    _prop(
        "qualifier",
        "kb:qualifier",
        "How a figure or statement is hedged: more_than, about, former, reportedly, ...",
    ),
    _prop("accordingTo", "kb:accordingTo", "Who gives a figure, in the article's words."),
    _prop(
        "statement",
        "kb:statement",
        "From an entity to each `kb:Statement` about it.",
        ref=True,
        multi=True,
    ),
    _prop("property", "kb:property", "A statement's property: an id of `GET /v1/properties`."),
    _prop(
        "disputed",
        "kb:disputed",
        "From an entity to each `kb:Claim`: the competing values of a field whose sources "
        "disagree, each with its own sources.",
        ref=True,
        multi=True,
    ),
    _prop("field", "kb:field", "The field a claim gives a value for (founding_date, ...)."),
    _prop(
        "source",
        "kb:source",
        "From an entity or a fact to each `kb:Source` supporting it.",
        ref=True,
        multi=True,
    ),
    _prop("citation", "kb:citation", "The citation a source quotes (a `CreativeWork`).", ref=True),
    _prop("quote", "kb:quote", "The verbatim words of the article that state the fact."),
    _prop("titleEn", "kb:titleEn", "An English translation of a citation's title."),
    _prop("retrievedDate", "kb:retrievedDate", "When a citation's URL was retrieved."),
    _prop("archiveDate", "kb:archiveDate", "When a citation's URL was archived."),
    _prop(
        "seq",
        "kb:seq",
        "The change-log `seq` an export reflects: follow `GET /v1/changes?since=` from it.",
    ),
    _prop("asOf", "kb:asOf", "The `kb:AsOf` of a representation given as of a date.", ref=True),
    _prop("date", "kb:date", "The date of a `kb:AsOf`."),
    _prop(
        "existed",
        "kb:existed",
        "Whether the entity existed at the `kb:AsOf` date (absent when unknown).",
    ),
    _prop("note", "kb:note", "Why the entity did not exist then, or what is unknown."),
)

BY_NAME: dict[str, Term] = {term.name: term for term in TERMS}

# The RDF class of each entity type.
TYPE_CLASSES = {
    "organisation": "Organization",
    "person": "Person",
    "event": "Event",
    "place": "Place",
    "concept": "DefinedTerm",
}

# The property each entity type's own field (``app.models.subtypes``) becomes. A new
# column needs a line here (a test checks that every field has one).
FIELD_TERMS = {
    "classification": "classification",
    "founding_date": "foundingDate",
    "dissolution_date": "dissolutionDate",
    "headquarters": "location",
    "website": "url",
    "political_position": "politicalPosition",
    "colours": "colours",
    "birth_date": "birthDate",
    "death_date": "deathDate",
    "start_date": "startDate",
    "end_date": "endDate",
    "country": "countryCode",
    "part_of": "containedInPlace",
}


def context() -> dict[str, Any]:
    """The JSON-LD context: prefixes, then a definition per term (JSON-LD 1.0 only)."""
    definitions: dict[str, Any] = dict(PREFIXES)
    for term in TERMS:
        if term.ref or term.multi:
            definition: dict[str, str] = {"@id": term.curie}
            if term.ref:
                definition["@type"] = "@id"
            if term.multi:
                definition["@container"] = "@set"
            definitions[term.name] = definition
        else:
            definitions[term.name] = term.curie
    return definitions


def context_document() -> dict[str, Any]:
    """What ``GET /v1/context.jsonld`` serves: the context, and as its graph a description
    of every term (``rdfs:label`` the term, ``rdfs:comment`` what it means; classes and
    properties of this project are declared ``rdfs:Class`` / ``rdf:Property``). A JSON-LD
    processor that loads the document as a remote context reads only its ``@context``."""
    graph = []
    for term in TERMS:
        node: dict[str, Any] = {
            "@id": term.curie,
            "rdfs:label": term.name,
            "rdfs:comment": term.comment,
        }
        if term.own:
            node["@type"] = "rdfs:Class" if term.kind == "class" else "rdf:Property"
        else:
            node["rdfs:isDefinedBy"] = {"@id": SCHEMA}
        graph.append(node)
    return {
        "@context": {**context(), "rdf": RDF, "rdfs": RDFS},
        "@graph": graph,
    }
