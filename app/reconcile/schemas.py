"""W3C Reconciliation Service API 0.2: the manifest, query batches and result batches."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.text import NOT_BLANK


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
    limit: float | None = Field(default=None, gt=0, allow_inf_nan=False)
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


def query_batch_schema(type_ids: list[str], max_queries: int) -> dict[str, Any]:
    """The JSON Schema of a query batch, exactly as strict as ``parse_batch``: a client
    (or a fuzzer) that follows it is never refused, one that breaks it always is."""
    type_id = {"type": "string", "enum": type_ids}
    return {
        "type": "object",
        "minProperties": 1,
        "maxProperties": max_queries,
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "query": {"type": ["string", "null"], "maxLength": 200},
                "type": {"anyOf": [type_id, {"type": "array", "items": type_id}, {"type": "null"}]},
                "limit": {"type": ["number", "null"], "exclusiveMinimum": 0},
                "properties": {
                    "type": ["array", "null"],
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["pid", "v"],
                        "properties": {"pid": {"type": "string"}, "v": {}},
                    },
                },
                "type_strict": {"enum": ["any", "should", "all", None]},
            },
            # Something to match: a query with a non-space character, or a property.
            "anyOf": [
                {
                    "required": ["query"],
                    "properties": {"query": {"type": "string", "pattern": NOT_BLANK}},
                },
                {
                    "required": ["properties"],
                    "properties": {"properties": {"type": "array", "minItems": 1}},
                },
            ],
        },
        "example": {"q0": {"query": "Ainur Kurmanov", "type": "person", "limit": 3}},
    }
