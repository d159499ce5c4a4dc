from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityRef
from app.provenance.schemas import EntityBase, EventParticipationRead


class PlaceRead(EntityBase):
    type: Literal["place"]
    classification: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2, where known.")
    part_of: EntityRef | None = None
    events: list[EventParticipationRead] = Field(description="Events that took place here.")
