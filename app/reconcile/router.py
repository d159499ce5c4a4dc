from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import APIRouter, Request

from app.core.dependencies import SessionDep
from app.core.errors import error_responses
from app.reconcile import service
from app.reconcile.schemas import Manifest, ReconResult, query_batch_schema

router = APIRouter()
BATCH_SCHEMA = query_batch_schema(list(service.TYPE_NAMES), service.MAX_QUERIES)
# URLs stay well below what HTTP servers accept (uvicorn refuses request lines over
# about 16 KB with a bare 400); POST takes batches of any size.
MAX_GET_QUERIES_LENGTH = 8000

QUERIES_DESCRIPTION = (
    "A JSON object of named queries, as in the Reconciliation Service API 0.2: "
    '`{"q0": {"query": "Ainur Kurmanov", "type": "person", "limit": 3}}`. '
    "Without it, the service manifest is returned."
)


def manifest(request: Request) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {
        "versions": ["0.2"],
        "name": "smk-kb: Socialist Movement of Kazakhstan knowledge base",
        "identifierSpace": f"{base}/v1/entities/",
        "schemaSpace": f"{base}/openapi.json",
        "documentation": f"{base}/docs#/reconcile",
        "serviceVersion": version("smk-kb"),
        "defaultTypes": [{"id": k, "name": v} for k, v in service.TYPE_NAMES.items()],
        "view": {"url": f"{base}/v1/entities/{{{{id}}}}"},
    }


@router.get(
    "",
    response_model=Manifest | dict[str, ReconResult],
    response_model_exclude_none=True,
    responses=error_responses(422),
    summary="Reconciliation service: manifest, or candidates for a query batch",
    # Declared by hand: `queries` is a JSON document in a query parameter (OpenAPI
    # `content`), which FastAPI's Query() cannot describe.
    openapi_extra={
        "parameters": [
            {
                "name": "queries",
                "in": "query",
                "required": False,
                "description": QUERIES_DESCRIPTION
                + f" At most {MAX_GET_QUERIES_LENGTH} characters: longer batches, use POST.",
                "content": {"application/json": {"schema": BATCH_SCHEMA}},
            }
        ]
    },
)
def reconcile_get(request: Request, session: SessionDep) -> Any:
    """W3C Reconciliation Service API 0.2 (OpenRefine and other clients). Without
    `queries`: the service manifest. With `queries`: candidates for each query, each
    with `id`, `name`, `score` (0–100), `match` and `type`, best first."""
    queries = request.query_params.get("queries")
    if queries is None:
        return manifest(request)
    if len(queries) > MAX_GET_QUERIES_LENGTH:
        raise service.invalid(
            f"{len(queries)} characters; at most {MAX_GET_QUERIES_LENGTH} in a URL, "
            "send longer batches with POST",
            ["query", "queries"],
        )
    return service.reconcile(session, service.parse_batch(queries))


@router.post(
    "",
    response_model=dict[str, ReconResult],
    response_model_exclude_none=True,
    responses=error_responses(422),
    summary="Reconciliation service: candidates for a query batch",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    # One field, `queries`, whose value is the batch as JSON (JSON Schema
                    # 2020-12 contentMediaType/contentSchema, as OpenAPI 3.1 allows).
                    "schema": {
                        "type": "object",
                        "properties": {
                            "queries": {
                                "type": "string",
                                "minLength": 1,
                                "contentMediaType": "application/json",
                                "contentSchema": BATCH_SCHEMA,
                                "description": QUERIES_DESCRIPTION,
                            }
                        },
                        "required": ["queries"],
                    }
                },
                "application/json": {
                    "schema": {**BATCH_SCHEMA, "description": "The query batch itself."}
                },
            },
        }
    },
)
async def reconcile_post(request: Request, session: SessionDep) -> Any:
    """The same as `GET` with `queries`: form-encoded (`queries=<JSON>`, as OpenRefine
    sends it) or a JSON body holding the batch itself."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    raw = (
        body.decode("utf-8", errors="replace")
        if "json" in content_type
        else service.queries_from_form(body)
    )
    return service.reconcile(session, service.parse_batch(raw))
