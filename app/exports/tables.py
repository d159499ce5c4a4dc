"""The knowledge base as a Frictionless Data Package: a zip with one CSV per table and a
``datapackage.json`` giving each column's type, each table's primary key and every
foreign key between them.

The tables and their columns come from the models (``app.models``), so a new column is
exported with its type without a line here. Left out: the seed's bookkeeping columns
(``document_id``, ``natural_key``, ``curated_by``) and the search key ``name_key``.
Partial dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) are strings with a pattern: no
Table Schema type holds all three. Empty cells are nulls.

The zip is written as it is read: each member is compressed as its rows arrive and
the archive (with data descriptors, so no member size is needed in advance) is handed
on in pieces; nothing holds a whole table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Float, Integer, Table

from app.core.dates import PARTIAL_DATE_PATTERN
from app.exports.reader import table_rows
from app.exports.snapshot import Snapshot
from app.models import (
    Alias,
    Citation,
    Claim,
    Concept,
    Entity,
    Event,
    EventFigure,
    EventPlace,
    Membership,
    Organisation,
    Participation,
    Person,
    Place,
    Relation,
    Source,
    Statement,
)
from app.models.types import PartialDateMatch
from app.provenance.changes import iso_timestamp

# Resource name and table, in the order they are written (referenced tables first).
RESOURCES: tuple[tuple[str, Any], ...] = (
    ("entities", Entity),
    ("organisations", Organisation),
    ("people", Person),
    ("events", Event),
    ("places", Place),
    ("concepts", Concept),
    ("aliases", Alias),
    ("memberships", Membership),
    ("relations", Relation),
    ("participations", Participation),
    ("event_places", EventPlace),
    ("figures", EventFigure),
    ("claims", Claim),
    ("statements", Statement),
    ("citations", Citation),
    ("sources", Source),
)
INTERNAL_COLUMNS = frozenset({"document_id", "natural_key", "curated_by", "name_key"})
LICENSE = {
    "name": "CC-BY-SA-4.0",
    "path": "https://creativecommons.org/licenses/by-sa/4.0/",
    "title": "Creative Commons Attribution Share-Alike 4.0",
}


@dataclass(frozen=True)
class Resource:
    name: str
    table: Table
    columns: tuple[Column[Any], ...]

    @property
    def path(self) -> str:
        return f"{self.name}.csv"


def _resources() -> tuple[Resource, ...]:
    out = []
    for name, model in RESOURCES:
        table: Table = model.__table__
        columns = tuple(c for c in table.columns if c.name not in INTERNAL_COLUMNS)
        out.append(Resource(name, table, columns))
    return tuple(out)


EXPORTED = _resources()
_BY_TABLE = {resource.table.name: resource.name for resource in EXPORTED}


def _partial_dates(table: Table) -> set[str]:
    return {
        constraint.sqltext.column
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
        and isinstance(constraint.sqltext, PartialDateMatch)
    }


def _field(column: Column[Any], partial_dates: set[str]) -> dict[str, Any]:
    kind = column.type
    if isinstance(kind, Boolean):
        type_ = "boolean"
    elif isinstance(kind, Integer):
        type_ = "integer"
    elif isinstance(kind, Float):
        type_ = "number"
    elif isinstance(kind, DateTime):
        type_ = "datetime"
    else:
        type_ = "string"
    field: dict[str, Any] = {"name": column.name, "type": type_}
    constraints: dict[str, Any] = {}
    if not column.nullable:
        constraints["required"] = True
    if column.name in partial_dates:
        field["description"] = "Partial ISO 8601 date: YYYY, YYYY-MM or YYYY-MM-DD."
        constraints["pattern"] = PARTIAL_DATE_PATTERN
    if column.doc:
        field["description"] = column.doc
    if constraints:
        field["constraints"] = constraints
    return field


def resource_descriptor(resource: Resource) -> dict[str, Any]:
    partial_dates = _partial_dates(resource.table)
    foreign_keys = []
    for column in resource.columns:
        for key in column.foreign_keys:
            target = _BY_TABLE[key.column.table.name]
            foreign_keys.append(
                {
                    "fields": column.name,
                    # "" is the resource itself (Data Package spec).
                    "reference": {
                        "resource": "" if target == resource.name else target,
                        "fields": key.column.name,
                    },
                }
            )
    schema: dict[str, Any] = {
        "fields": [_field(c, partial_dates) for c in resource.columns],
        "primaryKey": ["id"],
    }
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return {
        "name": resource.name,
        "path": resource.path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def package_descriptor(snapshot: Snapshot) -> dict[str, Any]:
    """``datapackage.json``; ``seq`` is the change-log seq the data reflects."""
    return {
        "profile": "tabular-data-package",
        "name": "smk-kb",
        "title": "Knowledge base of the Socialist Movement of Kazakhstan",
        "licenses": [LICENSE],
        "seq": snapshot.seq,
        "updated_at": iso_timestamp(snapshot.updated_at) if snapshot.updated_at else None,
        "resources": [resource_descriptor(r) for r in EXPORTED],
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return iso_timestamp(value)
    return value


class _Sink:
    """A write-only file the zip writes into; ``take`` hands on what it holds. It has no
    ``tell`` or ``seek``, so ``zipfile`` writes data descriptors and keeps no member
    whole."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


ZipTime = tuple[int, int, int, int, int, int]


def _zip_time(when: dt.datetime | None) -> ZipTime:
    """The time of the last write (zip times start in 1980): the same data, the same
    bytes."""
    if when is None or when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def _member(name: str, when: ZipTime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_package(snapshot: Snapshot) -> Iterator[bytes]:
    """The zip, in pieces: ``datapackage.json`` first, then each table's CSV."""
    sink = _Sink()
    when = _zip_time(snapshot.updated_at)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        descriptor = orjson.dumps(package_descriptor(snapshot), option=orjson.OPT_INDENT_2)
        with archive.open(_member("datapackage.json", when), "w") as member:
            member.write(descriptor)
        yield sink.take()
        for resource in EXPORTED:
            info = _member(resource.path, when)
            with (
                archive.open(info, "w", force_zip64=True) as member,
                io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
            ):
                writer = csv.writer(text)
                writer.writerow([c.name for c in resource.columns])
                for rows in table_rows(snapshot.session, resource.table, resource.columns):
                    writer.writerows([_cell(row[c.name]) for c in resource.columns] for row in rows)
                    text.flush()
                    yield sink.take()
            yield sink.take()
    yield sink.take()
