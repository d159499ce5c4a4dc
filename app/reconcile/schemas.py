"""W3C Reconciliation Service API 0.2: the manifest, query batches and result batches."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ReconType(BaseModel):
    id: str = Field(examples=["organisation"])
    name: str = Field(examples=["Organisation"])


class ReconView(BaseModel):
    url: str = Field(examples=["http://127.0.0.1:8000/v1/entities/{{id}}"])


class Manifest(BaseModel):
    versions: list[str]
    name: str
    identifierSpace: str  # noqa: N815 (the spec's spelling)
    schemaSpace: str  # noqa: N815
    documentation: str
    serviceVersion: str  # noqa: N815
    defaultTypes: list[ReconType]  # noqa: N815
    view: ReconView


class ReconProperty(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pid: str
    v: Any


class ReconQuery(BaseModel):
    """One query of a batch, as the 0.2 spec defines it (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(default=None, max_length=200)
    type: str | list[str] | None = None
    limit: float | None = Field(default=None, gt=0)
    properties: list[ReconProperty] | None = None
    type_strict: Literal["any", "should", "all"] | None = None

    @model_validator(mode="after")
    def _has_something_to_match(self) -> ReconQuery:
        if not (self.query and self.query.strip()) and not self.properties:
            raise ValueError("a query needs a non-empty `query` or at least one property")
        return self


class ReconCandidate(BaseModel):
    id: str
    name: str
    description: str | None = None
    score: float = Field(description="0–100: the search score times 100.")
    match: bool = Field(description="True for a single exact match, clearly ahead of the rest.")
    type: list[ReconType]


class ReconResult(BaseModel):
    result: list[ReconCandidate]
