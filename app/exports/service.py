"""Bulk exports: the whole knowledge base in one of five formats, written as it is read
from one snapshot (``app.exports.snapshot``), a batch of entities at a time.

Each format states the change ``seq`` it reflects inside the file (as well as in the
``KB-Seq`` header of ``GET /v1/export``):

* ``ndjson``: the first line is a header record ``{"seq", "updated_at"}``; every other
  line is one entity body, exactly as ``GET /v1/entities/{id}`` serves it, in id order.
* ``csv``: ``datapackage.json``'s ``seq``.
* ``popolo``: the top-level ``seq``.
* ``jsonld``: the first node of ``@graph``, ``{"@id": ".../v1/export", "@type":
  "Dataset", "seq": N}`` (a top-level property beside ``@graph`` would make the graph a
  named graph, which Turtle cannot write).
* ``turtle``: a ``# seq N`` comment line and the triple ``<.../v1/export> kb:seq N``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args

import orjson
from sqlalchemy import select

from app.exports.popolo import SECTIONS as POPOLO_SECTIONS
from app.exports.popolo import PopoloWriter
from app.exports.rdf import (
    TURTLE_PREFIXES,
    Iris,
    citation_node,
    entity_node,
    export_node,
    jsonld_object,
    turtle,
)
from app.exports.reader import entity_bodies, table_rows
from app.exports.snapshot import Snapshot
from app.exports.tables import write_package
from app.exports.vocabulary import context
from app.models import Citation
from app.provenance.changes import iso_timestamp

ExportFormatName = Literal["ndjson", "csv", "popolo", "jsonld", "turtle"]
EXPORT_FORMATS: tuple[ExportFormatName, ...] = get_args(ExportFormatName)

Writer = Callable[[Snapshot, Iris], Iterator[bytes]]


def _header(snapshot: Snapshot) -> dict[str, Any]:
    updated = iso_timestamp(snapshot.updated_at) if snapshot.updated_at else None
    return {"seq": snapshot.seq, "updated_at": updated}


def write_ndjson(snapshot: Snapshot, _iris: Iris) -> Iterator[bytes]:
    yield orjson.dumps(_header(snapshot)) + b"\n"
    for bodies in entity_bodies(snapshot.session):
        yield b"".join(body.__pydantic_serializer__.to_json(body) + b"\n" for body in bodies)


def _json_items(items: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    """The items of a JSON array, comma-separated, a batch per piece."""
    first = True
    for batch in items:
        encoded = [orjson.dumps(item) for item in batch]
        if not encoded:
            continue
        yield (b"" if first else b",") + b",".join(encoded)
        first = False


def _citations(snapshot: Snapshot) -> Iterator[list[dict[str, Any]]]:
    table = Citation.__table__
    return table_rows(snapshot.session, table, list(table.columns))  # type: ignore[arg-type]


def write_popolo(snapshot: Snapshot, iris: Iris) -> Iterator[bytes]:
    session = snapshot.session
    urls = {row.id: row.url for row in session.execute(select(Citation.id, Citation.url))}
    popolo = PopoloWriter(iris, urls)
    yield orjson.dumps(_header(snapshot))[:-1]  # the object stays open
    for section, entity_type in POPOLO_SECTIONS:
        yield b',"' + section.encode() + b'":['
        yield from _json_items(
            [item for body in bodies for item in popolo.objects(section, body)]
            for bodies in entity_bodies(session, entity_type=entity_type)
        )
        yield b"]"
    yield b"}\n"


def write_jsonld(snapshot: Snapshot, iris: Iris) -> Iterator[bytes]:
    yield b'{"@context":' + orjson.dumps(context()) + b',"@graph":['
    header = export_node(iris, snapshot.seq, snapshot.updated_at)
    yield orjson.dumps(jsonld_object(header))
    for bodies in entity_bodies(snapshot.session):
        nodes = [entity_node(body, iris, owned_only=True) for body in bodies]
        yield b"".join(b"," + orjson.dumps(jsonld_object(node)) for node in nodes)
    for rows in _citations(snapshot):
        yield b"".join(b"," + orjson.dumps(jsonld_object(citation_node(r, iris))) for r in rows)
    yield b"]}\n"


def write_turtle(snapshot: Snapshot, iris: Iris) -> Iterator[bytes]:
    header = export_node(iris, snapshot.seq, snapshot.updated_at)
    yield f"{TURTLE_PREFIXES}\n# seq {snapshot.seq}\n{turtle([header])}".encode()
    for bodies in entity_bodies(snapshot.session):
        nodes = [entity_node(body, iris, owned_only=True) for body in bodies]
        yield ("\n" + turtle(nodes)).encode()
    for rows in _citations(snapshot):
        yield ("\n" + turtle(citation_node(r, iris) for r in rows)).encode()


def write_csv(snapshot: Snapshot, _iris: Iris) -> Iterator[bytes]:
    return write_package(snapshot)


@dataclass(frozen=True)
class ExportFormat:
    name: ExportFormatName
    media_type: str
    extension: str
    write: Writer
    description: str


FORMATS: dict[ExportFormatName, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "ndjson",
            "application/x-ndjson",
            "ndjson",
            write_ndjson,
            "A header record `{seq, updated_at}`, then one entity body per line, exactly as "
            "`GET /v1/entities/{id}` serves it, in id order.",
        ),
        ExportFormat(
            "csv",
            "application/zip",
            "zip",
            write_csv,
            "A Frictionless Data Package: one CSV per table and `datapackage.json` (field "
            "types, primary and foreign keys, `seq`).",
        ),
        ExportFormat(
            "popolo",
            "application/json",
            "popolo.json",
            write_popolo,
            "Popolo JSON: `seq`, `persons`, `organizations`, `memberships`, `events`, `areas`.",
        ),
        ExportFormat(
            "jsonld",
            "application/ld+json",
            "jsonld",
            write_jsonld,
            "JSON-LD (schema.org and the `kb:` vocabulary of `GET /v1/context.jsonld`); the "
            "first node of `@graph` is the export, with its `seq`.",
        ),
        ExportFormat(
            "turtle",
            "text/turtle; charset=utf-8",
            "ttl",
            write_turtle,
            "Turtle: the same graph as `jsonld`, with `# seq N` and `<.../v1/export> kb:seq N`.",
        ),
    )
}


def export_chunks(snapshot: Snapshot, name: ExportFormatName, iris: Iris) -> Iterator[bytes]:
    """The export's bytes, in pieces, from the snapshot (which the caller closes)."""
    for chunk in FORMATS[name].write(snapshot, iris):
        if chunk:
            yield chunk


def file_name(name: ExportFormatName, seq: int) -> str:
    return f"smk-kb-seq-{seq}.{FORMATS[name].extension}"
