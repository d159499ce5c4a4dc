from __future__ import annotations

import time
from importlib.metadata import version
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from app.core.config import Settings
from app.core.errors import error_responses, problem_response
from app.reconcile import service
from app.reconcile.schemas import Manifest, ReconResult, query_batch_schema

router = APIRouter()
RESULTS = TypeAdapter(dict[str, ReconResult])


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses = error_responses(*statuses)
    descriptions = {
        413: "The body is larger than KB_MAX_BODY_BYTES (1 MiB by default)",
        414: "The URL is longer than KB_MAX_URL_BYTES (16 KiB by default): use POST",
        503: "The batch was not answered within KB_RECONCILE_TIME_BUDGET "
        "(10 s by default): send smaller batches (Retry-After)",
    }
    for status, description in descriptions.items():
        if status in responses:
            responses[status]["description"] = description
    return responses


BATCH_SCHEMA = query_batch_schema(list(service.TYPE_NAMES), service.MAX_QUERIES)
# URLs stay below KB_MAX_URL_BYTES (16 KiB by default, 414 beyond; percent-encoding
# can triple a value's length); POST takes batches up to KB_MAX_BODY_BYTES.
MAX_GET_QUERIES_LENGTH = 8000

QUERIES_DESCRIPTION = (
    "A JSON object of named queries, as in the Reconciliation Service API 0.2: "
    '`{"q0": {"query": "Ainur Kurmanov", "type": "person", "limit": 3}}`. '
    "Without it, the service manifest is returned."
)


def manifest(settings: Settings) -> dict[str, Any]:
    # The configured public URL, never the request's Host: the manifest is cached and
    # shared, and a client sending `Host: evil.example` must not set it for the others.
    base = settings.public_base_url.rstrip("/")
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
    responses=_responses(414, 422, 503),
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
async def reconcile_get(request: Request) -> Any:
    """W3C Reconciliation Service API 0.2 (OpenRefine and other clients). Without
    `queries`: the service manifest. With `queries`: candidates for each query, each
    with `id`, `name`, `score` (0–100), `match` and `type`, best first."""
    queries = request.query_params.get("queries")
    if queries is None:
        return manifest(request.app.state.settings)
    if len(queries) > MAX_GET_QUERIES_LENGTH:
        raise service.invalid(
            f"{len(queries)} characters; at most {MAX_GET_QUERIES_LENGTH} in a URL, "
            "send longer batches with POST",
            ["query", "queries"],
        )
    return await _answer(request, lambda: queries)


@router.post(
    "",
    response_model=dict[str, ReconResult],
    response_model_exclude_none=True,
    responses=_responses(413, 422, 503),
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
async def reconcile_post(request: Request) -> Any:
    """The same as `GET` with `queries`: form-encoded (`queries=<JSON>`, as OpenRefine
    sends it) or a JSON body holding the batch itself."""
    body = await request.body()  # read on the event loop, within KB_MAX_BODY_BYTES
    content_type = request.headers.get("content-type", "")

    def raw() -> str:
        if "json" in content_type:
            return body.decode("utf-8", errors="replace")
        return service.queries_from_form(body)

    return await _answer(request, raw)


async def _answer(request: Request, raw: Any) -> Response:
    """Parse, check and answer a batch in a worker thread, never on the event loop
    (100 hard queries take seconds of database and CPU work), within
    ``KB_RECONCILE_TIME_BUDGET`` counted from now."""
    settings: Settings = request.app.state.settings
    budget = settings.reconcile_time_budget
    deadline = time.monotonic() + budget
    factory = request.app.state.session_factory

    def work() -> bytes:
        batch = service.parse_batch(raw(), settings.max_json_depth, settings.max_json_number_digits)
        with factory() as session:
            answers = service.reconcile(session, batch, deadline, budget)
        return RESULTS.dump_json(RESULTS.validate_python(answers), exclude_none=True)

    try:
        content = await anyio.to_thread.run_sync(work)
    except service.TimeBudgetError as exc:
        return problem_response(
            request,
            exc.status,
            exc.slug,
            exc.title,
            exc.detail,
            headers={"Retry-After": "5"},
        )
    return Response(content, media_type="application/json")
