"""Every router, with its prefix and tag: the URL map in one screen."""

from __future__ import annotations

from fastapi import FastAPI

from app import health, index
from app.aliases.router import router as aliases
from app.citations.router import router as citations
from app.core.vocabulary import EntityType
from app.curation.router import citations_write_router, entity_write_router, revert_router
from app.entities.router import router as entities
from app.events.router import router as events
from app.exports.router import router as exports
from app.history.router import changes_router as changes
from app.history.router import history_router as history
from app.organisations.router import router as organisations
from app.people.router import router as people
from app.places.router import router as places
from app.reconcile.router import router as reconcile
from app.search.router import router as search
from app.statements.router import properties_router as properties
from app.statements.router import statements_router as statements
from app.timeline.router import router as timeline

TAGS = [
    {
        "name": "organisations",
        "description": "Parties, unions, campaigns, internationals, governments, newspapers.",
    },
    {"name": "people", "description": "People and the roles they held."},
    {
        "name": "events",
        "description": "Dated events with places, participants and counted figures.",
    },
    {"name": "places", "description": "Cities, regions and countries."},
    {"name": "entities", "description": "Any entity by id."},
    {
        "name": "statements",
        "description": "Typed facts (ideology, demands, occupations, ...) and their vocabulary.",
    },
    {"name": "history", "description": "Versions of entities and the change log."},
    {"name": "search", "description": "Find entities by any name, in any script."},
    {"name": "timeline", "description": "Dated facts in chronological order."},
    {"name": "reconcile", "description": "W3C Reconciliation Service API 0.2, for OpenRefine."},
    {"name": "aliases", "description": "Every name variant, in every language and script."},
    {"name": "citations", "description": "The article's references and every fact citing each."},
    {
        "name": "curation",
        "description": "Writes, with an API key (`Authorization: Bearer ...`): create, "
        "change and delete entities and their facts, each with its sources; add sources; "
        "revert. `PATCH` and `DELETE` need `If-Match`.",
    },
    {
        "name": "exports",
        "description": "The whole knowledge base in one file (NDJSON, a CSV Data Package, "
        "Popolo, JSON-LD, Turtle), and the JSON-LD context.",
    },
    {"name": "health", "description": "Liveness."},
    {"name": "index", "description": "Links to the docs and to every collection."},
]


def mount_routers(app: FastAPI) -> None:
    app.include_router(organisations, prefix="/v1/organisations", tags=["organisations"])
    app.include_router(people, prefix="/v1/people", tags=["people"])
    app.include_router(events, prefix="/v1/events", tags=["events"])
    app.include_router(places, prefix="/v1/places", tags=["places"])
    app.include_router(entities, prefix="/v1/entities", tags=["entities"])
    app.include_router(history, prefix="/v1/entities", tags=["history"])
    app.include_router(changes, prefix="/v1/changes", tags=["history"])
    app.include_router(statements, prefix="/v1/statements", tags=["statements"])
    app.include_router(properties, prefix="/v1/properties", tags=["statements"])
    app.include_router(search, prefix="/v1/search", tags=["search"])
    app.include_router(timeline, prefix="/v1/timeline", tags=["timeline"])
    app.include_router(reconcile, prefix="/v1/reconcile", tags=["reconcile"])
    app.include_router(aliases, prefix="/v1/aliases", tags=["aliases"])
    app.include_router(citations, prefix="/v1/citations", tags=["citations"])
    writable: tuple[tuple[EntityType, str], ...] = (
        ("organisation", "organisations"),
        ("person", "people"),
        ("event", "events"),
        ("place", "places"),
    )
    for entity_type, segment in writable:
        app.include_router(entity_write_router(entity_type, segment), prefix=f"/v1/{segment}")
    app.include_router(citations_write_router, prefix="/v1/citations")
    app.include_router(revert_router, prefix="/v1/entities")
    app.include_router(exports, prefix="/v1", tags=["exports"])
    app.include_router(health.router, tags=["health"])
    app.include_router(index.router, tags=["index"])
