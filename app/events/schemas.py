from __future__ import annotations

from typing import Literal

from app.provenance.schemas import EntityBase, EventPlaceRead, FigureRead, ParticipantRead


class EventRead(EntityBase):
    type: Literal["event"]
    classification: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    places: list[EventPlaceRead]
    participants: list[ParticipantRead]
    figures: list[FigureRead]
