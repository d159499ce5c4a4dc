from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.core.schemas import EntityRef, ReadModel, SourceRead

# Same-day facts sort in this order: what starts before what happens before what ends.
TimelineKind = Literal[
    "founding",
    "birth",
    "renaming",
    "membership_start",
    "relation_start",
    "event",
    "membership_end",
    "relation_end",
    "death",
    "dissolution",
]


class TimelineItem(ReadModel):
    date: str = Field(description="The date as stored, at its own precision.", examples=["2011-12"])
    end_date: str | None = Field(description="For events that span days: when they ended.")
    kind: TimelineKind
    summary: str = Field(examples=["Socialist Movement of Kazakhstan section of ... (begins)"])
    entities: list[EntityRef] = Field(description="The entities the fact involves.")
    disputed: bool = Field(
        default=False,
        description="The sources disagree on this date: each value they give is its own "
        "item, with its own sources.",
    )
    sources: list[SourceRead]
