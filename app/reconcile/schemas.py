"""W3C Reconciliation Service API 0.2: the manifest, query batches and result batches,
suggest responses, data-extension queries, proposals and responses."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.dependencies import NO_NUL
from app.core.text import NOT_BLANK


class ReconType(BaseModel):
    id: str = Field(examples=["organisation"])
    name: str = Field(examples=["Organisation"])


class ReconView(BaseModel):
    url: str = Field(examples=["http://127.0.0.1:8000/v1/entities/{{id}}"])


class ServicePath(BaseModel):
    """A service at ``service_url + service_path``."""

    service_url: str = Field(examples=["http://127.0.0.1:8000/v1/reconcile"])
    service_path: str = Field(examples=["/suggest/entity"])


class SuggestServices(BaseModel):
    entity: ServicePath
    type: ServicePath
    property: ServicePath


class PreviewService(BaseModel):
    url: str = Field(examples=["http://127.0.0.1:8000/v1/reconcile/preview/{{id}}"])
    width: int = Field(description="Width in pixels of the preview's iframe.")
    height: int = Field(description="Height in pixels of the preview's iframe.")


class SettingChoice(BaseModel):
    value: str
    name: str


class PropertySetting(BaseModel):
    """A setting a client may give each property of a data-extension query."""

    name: str
    label: str
    type: Literal["select"]
    default: str
    help_text: str
    choices: list[SettingChoice]


class ExtendService(BaseModel):
    propose_properties: ServicePath
    property_settings: list[PropertySetting]


class Manifest(BaseModel):
    versions: list[str]
    name: str
    identifierSpace: str  # noqa: N815 (the spec's spelling)
    schemaSpace: str  # noqa: N815
    documentation: str
    serviceVersion: str  # noqa: N815
    defaultTypes: list[ReconType]  # noqa: N815
    view: ReconView
    suggest: SuggestServices
    preview: PreviewService
    extend: ExtendService


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


class ReconFeature(BaseModel):
    id: str = Field(
        description="`name_score` (the name match, 0–100) or `<property>_match` (whether "
        "that property of the query agrees with the candidate's values).",
        examples=["founding_date_match"],
    )
    value: bool | float


class ReconCandidate(BaseModel):
    id: str
    name: str
    description: str | None = None
    score: float = Field(
        description="0–100: the search score times 100, moved by the query's properties "
        "(+10 for each that agrees, -30 for each that contradicts), kept within 0–100."
    )
    features: list[ReconFeature] | None = Field(
        default=None,
        description="With properties only: the name score and each property's outcome.",
    )
    match: bool = Field(
        description="True for the first candidate only, when its name matches exactly, no "
        "property contradicts it, and no other such candidate scores as high."
    )
    type: list[ReconType]


class ReconResult(BaseModel):
    result: list[ReconCandidate]


class SuggestedEntity(BaseModel):
    id: str = Field(examples=["socialist-movement-of-kazakhstan"])
    name: str = Field(examples=["Socialist Movement of Kazakhstan"])
    description: str | None = None
    notable: list[ReconType] = Field(description="The entity's type.")


class SuggestedEntities(BaseModel):
    result: list[SuggestedEntity]


class SuggestedType(BaseModel):
    id: str = Field(examples=["organisation"])
    name: str = Field(examples=["Organisation"])
    description: str


class SuggestedTypes(BaseModel):
    result: list[SuggestedType]


class SuggestedProperty(BaseModel):
    id: str = Field(examples=["founding_date"])
    name: str = Field(examples=["founding date"])
    description: str


class SuggestedProperties(BaseModel):
    result: list[SuggestedProperty]


class PropertyProposal(BaseModel):
    """Data-extension property proposal: the properties entities of ``type`` can have."""

    type: str | None = Field(default=None, description="The type asked for, if any.")
    properties: list[SuggestedProperty]
    limit: int | None = Field(default=None, description="The limit asked for, if any.")


class ExtendMetaType(BaseModel):
    id: str
    name: str


class ExtendMeta(BaseModel):
    id: str = Field(examples=["chairperson"])
    name: str = Field(examples=["chairperson"])
    type: ExtendMetaType | None = Field(
        default=None, description="The type of the property's entity values, when it has one."
    )


class EntityCell(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str


class TextCell(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    text: str = Field(alias="str")


class DateCell(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date_time: str = Field(
        alias="date",
        description="A date known to the day, at midnight UTC (`2011-12-16T00:00:00Z`); a "
        "date known to the month or year only is a `str` cell (`2011-12`).",
    )


class FloatCell(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    number: float = Field(alias="float")


ExtendCell = EntityCell | TextCell | DateCell | FloatCell


class ExtendResponse(BaseModel):
    """Data-extension response: the requested properties (``meta``) and, for each id
    asked for, each property's values (``rows``; an unknown id has no values)."""

    meta: list[ExtendMeta]
    rows: dict[str, dict[str, list[ExtendCell]]]


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
                    "properties": {
                        "properties": {"type": "array", "items": {"type": "object"}, "minItems": 1}
                    },
                },
            ],
        },
        "example": {"q0": {"query": "Ainur Kurmanov", "type": "person", "limit": 3}},
    }


def extend_query_schema(
    property_ids: list[str],
    max_ids: int,
    max_properties: int,
    max_id_length: int,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The JSON Schema of a data-extension query, as strict as ``parse_extend``: the
    official schema's, with this service's property ids, limits and settings (other
    keys, and settings of other services, are allowed and ignored)."""
    return {
        "type": "object",
        "required": ["ids", "properties"],
        "properties": {
            "ids": {
                "type": "array",
                "maxItems": max_ids,
                "items": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": max_id_length,
                    "pattern": NO_NUL,
                },
                "description": "Entity ids (as reconciled); an unknown id gets no values.",
            },
            "properties": {
                "type": "array",
                "maxItems": max_properties,
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "string", "enum": property_ids},
                        "settings": {
                            "type": "object",
                            "properties": {
                                settings["name"]: {
                                    "enum": [c["value"] for c in settings["choices"]],
                                    "default": settings["default"],
                                    "description": settings["help_text"],
                                }
                            },
                        },
                    },
                },
                "description": "Properties to fetch (GET /v1/reconcile/extend/properties).",
            },
        },
        "example": {
            "ids": ["socialist-movement-of-kazakhstan", "peoples-party-of-kazakhstan"],
            "properties": [
                {"id": "founding_date"},
                {"id": "chairperson"},
                {"id": "aliases@ru-Cyrl"},
            ],
        },
    }
