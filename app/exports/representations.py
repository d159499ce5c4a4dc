"""The entity endpoints' JSON-LD and Turtle (content negotiation, ``app.core.negotiation``):
the renderer the negotiation layer calls, and their description in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from app.core.config import Settings
from app.core.negotiation import Renderer, Representation, openapi_representations
from app.exports.rdf import Iris, render_entity
from app.provenance.schemas import AnyEntityRead, EntityRead

_BODY: TypeAdapter[AnyEntityRead] = TypeAdapter(EntityRead)

DESCRIPTIONS: dict[Representation, str] = {
    "json": "The entity body.",
    "jsonld": "JSON-LD: the entity in schema.org terms and the `kb:` vocabulary, with "
    "`@context` `/v1/context.jsonld`; its facts and sources are nodes of their own.",
    "turtle": "Turtle: the same graph as the JSON-LD.",
}


def entity_renderer(settings: Settings) -> Renderer:
    """Renders a 200's entity body (the route's JSON) as JSON-LD or Turtle."""
    iris = Iris(settings.public_base_url.rstrip("/"))

    def render(body: bytes, representation: Representation) -> bytes:
        return render_entity(_BODY.validate_json(body), representation, iris)

    return render


def document_representations(app: FastAPI) -> None:
    """Add the JSON-LD and Turtle answers to the OpenAPI schema of the entity routes."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        openapi_representations(schema, DESCRIPTIONS)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
