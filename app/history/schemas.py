from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from app.core.schemas import ReadModel


class VersionRead(ReadModel):
    """One version of an entity, from the change log."""

    version: int = Field(examples=[2])
    at: dt.datetime = Field(description="When the version was written (UTC).")
    actor: str = Field(description="Who wrote it: `seed`, `generate` or an API key's name.")
    op: Literal["create", "update", "delete"]
    summary: str = Field(examples=["changed statements"])
    patch: list[dict[str, Any]] = Field(
        description="RFC 6902 JSON Patch from the previous version's body to this one."
    )


class ChangeRead(ReadModel):
    """One change to the knowledge base, in commit order."""

    seq: int = Field(description="Position in the change log: never repeats, never goes back.")
    at: dt.datetime
    entity: str = Field(description="Id of the entity changed.", examples=["almaty"])
    entity_type: str = Field(examples=["place"])
    op: Literal["create", "update", "delete"]
    version: int
    actor: str


class ChangePage(ReadModel):
    items: list[ChangeRead]
    total: int = Field(description="How many changes follow `since`.")
    limit: int
    next: str | None = Field(
        description="The next page (`since` = the last `seq` of this one), or null when "
        "there is nothing newer yet."
    )
    seq: int = Field(description="The newest `seq` in the log: follow on with `since=seq`.")
