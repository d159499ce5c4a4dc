"""``GET /``: where everything is, for a person or a program arriving at the root."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

router = APIRouter()


class Collection(BaseModel):
    name: str = Field(examples=["organisations"])
    href: str = Field(examples=["/v1/organisations"])
    summary: str


class Index(BaseModel):
    name: str = Field(examples=["smk-kb"])
    version: str
    description: str
    docs: str = Field(description="Swagger UI.", examples=["/docs"])
    redoc: str = Field(examples=["/redoc"])
    openapi: str = Field(examples=["/openapi.json"])
    health: str = Field(examples=["/health"])
    collections: list[Collection] = Field(
        description="Every resource that lists or answers without an id in its path."
    )


def collections(request: Request) -> list[Collection]:
    """The GET operations under /v1 with no path parameter, from the app's own OpenAPI
    document, so a new collection is listed without being named here."""
    paths: dict[str, dict[str, Any]] = request.app.openapi()["paths"]
    return [
        Collection(name=path.removeprefix("/v1/"), href=path, summary=ops["get"].get("summary", ""))
        for path, ops in sorted(paths.items())
        if path.startswith("/v1/") and "{" not in path and "get" in ops
    ]


@router.get("/", response_model=Index, summary="Where everything is")
def index(request: Request) -> Index:
    """Links to the documentation and to every collection of the API."""
    return Index(
        name="smk-kb",
        version=version("smk-kb"),
        description="Knowledge base of the Socialist Movement of Kazakhstan; every fact sourced.",
        docs="/docs",
        redoc="/redoc",
        openapi="/openapi.json",
        health="/health",
        collections=collections(request),
    )
