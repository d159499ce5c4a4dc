from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel, SourceRead
from app.events.schemas import EventRead
from app.organisations.schemas import OrganisationRead
from app.people.schemas import PersonRead
from app.places.schemas import PlaceRead
from app.provenance.schemas import EntityBase


class ConceptRead(EntityBase):
    """An abstract thing statements point at: an ideology, a doctrine."""

    type: Literal["concept"]
    classification: str | None = Field(default=None, examples=["ideology"])


EntityRead = Annotated[
    OrganisationRead | PersonRead | EventRead | PlaceRead | ConceptRead,
    Field(discriminator="type"),
]


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
