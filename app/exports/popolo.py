"""Entity bodies as Popolo 1.0.1 objects (persons, organizations, memberships, events,
areas), the shape EveryPolitician published.

Names: an alias is an ``other_names`` entry with its dates, its ``lang`` (which Popolo
allows) and its kind as ``note``. Sources: each ``{citation, quote}`` is a Popolo link,
``url`` the citation's own URL (the API's citation URL where it has none) and ``note``
the citation id and the quote. A place is an area; concepts have no Popolo class and
are left out (the other formats have them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.core.schemas import SourceRead
from app.core.vocabulary import EntityType
from app.exports.rdf import Iris
from app.provenance.changes import iso_timestamp
from app.provenance.schemas import (
    AliasRead,
    AnyEntityRead,
    EntityBase,
    EventRead,
    OrganisationRead,
    PersonRead,
    PlaceRead,
)

Obj = dict[str, Any]

# Relations that make an organisation part of another (Popolo's ``parent_id``).
PARENT_VERBS = ("section_of", "part_of")
# Each top-level list of the export, in order, and the entities it is made from.
SECTIONS: tuple[tuple[str, EntityType], ...] = (
    ("persons", "person"),
    ("organizations", "organisation"),
    ("memberships", "person"),
    ("events", "event"),
    ("areas", "place"),
)


class PopoloWriter:
    def __init__(self, iris: Iris, citation_urls: dict[str, str | None]) -> None:
        self.iris = iris
        self.citation_urls = citation_urls

    def objects(self, section: str, body: AnyEntityRead) -> list[Obj]:
        """What one body gives to one section of the export."""
        if isinstance(body, PersonRead):
            return [self.person(body)] if section == "persons" else self.memberships(body)
        if isinstance(body, OrganisationRead):
            return [self.organization(body)]
        if isinstance(body, EventRead):
            return [self.event(body)]
        if isinstance(body, PlaceRead):
            return [self.area(body)]
        return []

    def sources(self, sources: Iterable[SourceRead]) -> list[Obj]:
        return [
            {
                "url": self.citation_urls.get(s.citation) or self.iris.citation(s.citation),
                "note": f"{s.citation}: {s.quote}",
            }
            for s in sources
        ]

    @staticmethod
    def other_names(aliases: Iterable[AliasRead]) -> list[Obj]:
        return [
            _compact(
                {
                    "name": a.name,
                    "lang": a.lang,
                    "note": a.kind,
                    "start_date": a.start_date,
                    "end_date": a.end_date,
                }
            )
            for a in aliases
        ]

    def _common(self, body: EntityBase) -> Obj:
        return {
            "id": body.id,
            "name": body.name,
            "updated_at": iso_timestamp(body.updated_at),
            "sources": self.sources(body.sources),
        }

    def person(self, body: PersonRead) -> Obj:
        return _compact(
            {
                **self._common(body),
                "other_names": self.other_names(body.aliases),
                "summary": body.description,
                "birth_date": body.birth_date,
                "death_date": body.death_date,
            }
        )

    def organization(self, body: OrganisationRead) -> Obj:
        parents = [
            r.target.id
            for r in body.relations
            if r.direction == "outgoing"
            and r.relation in PARENT_VERBS
            and r.target.type == "organisation"
        ]
        links = [{"url": body.website, "note": "website"}] if _is_url(body.website) else []
        return _compact(
            {
                **self._common(body),
                "other_names": self.other_names(body.aliases),
                "description": body.description,
                "classification": body.classification,
                "founding_date": body.founding_date,
                "dissolution_date": body.dissolution_date,
                "area_id": body.headquarters.id if body.headquarters else None,
                "parent_id": parents[0] if len(parents) == 1 else None,
                "links": links,
            }
        )

    def memberships(self, body: PersonRead) -> list[Obj]:
        return [
            _compact(
                {
                    "id": m.id,
                    "person_id": body.id,
                    "organization_id": m.organisation.id,
                    "role": m.role,
                    "start_date": m.start_date,
                    "end_date": m.end_date,
                    "sources": self.sources(m.sources),
                }
            )
            for m in body.memberships
        ]

    def event(self, body: EventRead) -> Obj:
        return _compact(
            {
                **self._common(body),
                "description": body.description,
                "classification": body.classification,
                "start_date": body.start_date,
                "end_date": body.end_date,
                "location": "; ".join(p.name for p in body.places) or None,
            }
        )

    def area(self, body: PlaceRead) -> Obj:
        return _compact(
            {
                **self._common(body),
                "classification": body.classification,
                "parent_id": body.part_of.id if body.part_of else None,
            }
        )


def _compact(obj: Obj) -> Obj:
    """Without the keys whose value is unknown (null)."""
    return {key: value for key, value in obj.items() if value is not None}


def _is_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("http://", "https://"))
