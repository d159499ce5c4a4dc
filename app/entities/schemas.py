from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel, SourceRead
from app.provenance.schemas import ConceptRead, EntityRead

__all__ = ["ConceptRead", "EntityBatch", "EntityRead", "Graph", "GraphEdge"]


class EntityBatch(ReadModel):
    """Several entities in one request, like Wikidata's ``wbgetentities``."""

    items: list[EntityRead] = Field(description="The entities found, in the order asked.")
    missing: list[str] = Field(description="The ids asked for that no entity has.")


class GraphEdge(ReadModel):
    kind: Literal["membership", "relation", "participation", "event_place"]
    label: str = Field(description="The role, or the relation verb.", examples=["section_of"])
    source: str = Field(description="Id of the entity the edge starts from.")
    target: str = Field(description="Id of the entity the edge points to.")
    start_date: str | None
    end_date: str | None
    sources: list[SourceRead]


class Graph(ReadModel):
    root: str
    depth: int
    nodes: list[EntityRef]
    edges: list[GraphEdge]
