"""The W3C Reconciliation Service API 0.2 at /v1/reconcile (OpenRefine and others).

* ``GET /v1/reconcile``: the manifest; with ``queries`` candidates, with ``extend``
  data extension. ``POST`` takes either, form-encoded as OpenRefine sends them.
* ``GET /suggest/entity``, ``/suggest/type``, ``/suggest/property``: auto-completion.
* ``GET /preview/{entity_id}``: an HTML card for a client's iframe.
* ``POST /extend``, ``GET /extend/properties``: data extension and its proposals.

Every database or search call runs in a worker thread within
``KB_RECONCILE_TIME_BUDGET`` (``_in_worker``); every error is a problem+json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.metadata import version
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.cpu_lane import in_cpu_lane
from app.core.dependencies import NO_NUL
from app.core.errors import error_responses
from app.reconcile import extend, preview, service, suggest
from app.reconcile.budget import Deadline
from app.reconcile.properties import PROPERTY_IDS
from app.reconcile.schemas import (
    ExtendResponse,
    Manifest,
    PropertyProposal,
    ReconResult,
    SuggestedEntities,
    SuggestedProperties,
    SuggestedTypes,
    extend_query_schema,
    query_batch_schema,
)

router = APIRouter()
EXTENDED = TypeAdapter(ExtendResponse)
T = TypeVar("T")

TYPE_OR_NONE = f"^({'|'.join(service.TYPE_NAMES)})?$"


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses = error_responses(*statuses)
    descriptions = {
        413: "The body is larger than KB_MAX_BODY_BYTES (1 MiB by default)",
        414: "The URL is longer than KB_MAX_URL_BYTES (16 KiB by default): use POST",
        503: "Not answered within KB_RECONCILE_TIME_BUDGET (30 s by default): ask for less "
        "at a time (Retry-After); or the database is unavailable",
    }
    for status, description in descriptions.items():
        if status in responses:
            responses[status]["description"] = description
    return responses


BATCH_SCHEMA = query_batch_schema(list(service.TYPE_NAMES), service.MAX_QUERIES)
EXTEND_SCHEMA = extend_query_schema(
    list(PROPERTY_IDS),
    extend.MAX_IDS,
    extend.MAX_PROPERTIES,
    extend.MAX_ID_LENGTH,
    extend.DISPUTED_SETTING,
)
# URLs stay below KB_MAX_URL_BYTES (16 KiB by default, 414 beyond; percent-encoding
# can triple a value's length); POST takes batches up to KB_MAX_BODY_BYTES.
MAX_GET_QUERIES_LENGTH = 8000
# In a URL, an extend query is small: 10 ids and 10 properties, and no other keys
# (its schema then says what fits in a URL; larger ones go by POST).
GET_EXTEND_IDS = GET_EXTEND_PROPERTIES = 10
GET_EXTEND_ID_LENGTH = 120
GET_EXTEND_SCHEMA = {
    **extend_query_schema(
        list(PROPERTY_IDS),
        GET_EXTEND_IDS,
        GET_EXTEND_PROPERTIES,
        GET_EXTEND_ID_LENGTH,
        extend.DISPUTED_SETTING,
    ),
    "additionalProperties": False,
}


def _small_enough_for_a_url(value: str) -> None:
    """What GET_EXTEND_SCHEMA says beyond the POST schema, enforced: the API accepts
    exactly what its schema allows. (A malformed query is left to the full parser.)"""
    try:
        parsed = json.loads(value)
    except ValueError:
        return
    if not isinstance(parsed, dict):
        return
    loc: list[str | int] = ["query", "extend"]
    if extra := sorted(set(parsed) - {"ids", "properties"}):
        raise extend.invalid(loc, f"only ids and properties in a URL, not {', '.join(extra)}")
    ids, properties = parsed.get("ids"), parsed.get("properties")
    if isinstance(ids, list) and (
        len(ids) > GET_EXTEND_IDS
        or any(isinstance(i, str) and len(i) > GET_EXTEND_ID_LENGTH for i in ids)
    ):
        raise extend.invalid(
            loc,
            f"at most {GET_EXTEND_IDS} ids of {GET_EXTEND_ID_LENGTH} characters in a URL; "
            "use POST for more",
        )
    if isinstance(properties, list) and len(properties) > GET_EXTEND_PROPERTIES:
        raise extend.invalid(loc, f"at most {GET_EXTEND_PROPERTIES} properties in a URL")


QUERIES_DESCRIPTION = (
    "A JSON object of named queries, as in the Reconciliation Service API 0.2: "
    '`{"q0": {"query": "Ainur Kurmanov", "type": "person", "limit": 3}}`. '
    "Without it (and without `extend`), the service manifest is returned."
)
EXTEND_DESCRIPTION = (
    "A data extension query (JSON): the entity ids and the properties to fetch, "
    '`{"ids": ["socialist-movement-of-kazakhstan"], "properties": [{"id": "founding_date"}]}`.'
)

SCORING = """
**Scoring.** Candidates are the query's name matches (`GET /v1/search`, any name in any
script); `score` is the search score times 100. When the query has `properties` whose
`pid` is a property of this service (`GET /v1/reconcile/suggest/property`: the fields
such as `founding_date`, `headquarters`, `country`, `chairperson`, `type`, `aliases`,
and the statement properties), the first 20 name matches (or `limit`, if more) are also
compared on them, with the values data extension returns (disputed values included):
each property that **agrees** adds 10, each that **contradicts** (the candidate has
values, none matches) takes 30 away, and one the candidate has no value for changes
nothing; the score is kept within 0–100 and the candidates re-ranked and cut to
`limit`. Dates agree at the precision both give (`2006` agrees with `2006-02-21`,
`2006-05` does not; a number is a year); entities by id (`{"id": ...}`) or name;
texts when all the words of one are words of the other, spelling-insensitively in any
script (`Алматы` agrees with `Almaty`, `party` with `political party`); a country code
also by its country's name; `type` by the entity type or a word of its classification,
contradicted only by another entity type. Such candidates carry `features`: `name_score` and
`<pid>_match` (true or false). Unknown `pid`s change nothing. `match` is true for the
first candidate only, when its name matches exactly, no property contradicts it and no
other such candidate scores as high. A query with properties but no `query` has no
candidates: candidates come from names.
"""


def manifest(settings: Settings) -> dict[str, Any]:
    # The configured public URL, never the request's Host: the manifest is cached and
    # shared, and a client sending `Host: evil.example` must not set it for the others.
    base = settings.public_base_url.rstrip("/")
    endpoint = f"{base}/v1/reconcile"
    return {
        "versions": ["0.2"],
        "name": "smk-kb: Socialist Movement of Kazakhstan knowledge base",
        "identifierSpace": f"{base}/v1/entities/",
        "schemaSpace": f"{base}/openapi.json",
        "documentation": f"{base}/docs#/reconcile",
        "serviceVersion": version("smk-kb"),
        "defaultTypes": [{"id": k, "name": v} for k, v in service.TYPE_NAMES.items()],
        "view": {"url": f"{base}/v1/entities/{{{{id}}}}"},
        "suggest": {
            kind: {"service_url": endpoint, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "preview": {
            "url": f"{endpoint}/preview/{{{{id}}}}",
            "width": preview.WIDTH,
            "height": preview.HEIGHT,
        },
        "extend": {
            "propose_properties": {"service_url": endpoint, "service_path": "/extend/properties"},
            "property_settings": [extend.DISPUTED_SETTING],
        },
    }


async def _in_worker(request: Request, work: Callable[[Session, Deadline], T]) -> T:
    """Run ``work`` in the CPU lane's worker thread (app.core.cpu_lane), never on the
    event loop, with a session and the deadline of ``KB_RECONCILE_TIME_BUDGET`` counted
    from now, waiting for the lane included (``TimeBudgetError``, a 503 with
    Retry-After, once it has passed)."""
    settings: Settings = request.app.state.settings
    deadline = Deadline.start(settings.reconcile_time_budget)
    factory = request.app.state.session_factory

    def run() -> T:
        with factory() as session:
            return work(session, deadline)

    return await in_cpu_lane(request, run)


def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")


# --- The endpoint: manifest, reconciliation queries, data extension --------------------


@router.get(
    "",
    response_model=Manifest | dict[str, ReconResult] | ExtendResponse,
    response_model_exclude_none=True,
    responses=_responses(414, 422, 503),
    summary="Reconciliation service: manifest, candidates for a query batch, or data extension",
    description="W3C Reconciliation Service API 0.2 (OpenRefine and other clients). Without "
    "parameters: the service manifest. With `queries`: candidates for each query, each with "
    "`id`, `name`, `score` (0–100), `match` and `type`, best first. With `extend`: the "
    "values of properties for entities (see `POST /v1/reconcile/extend`).\n" + SCORING,
    # Declared by hand: `queries` and `extend` are JSON documents in a query parameter
    # (OpenAPI `content`), which FastAPI's Query() cannot describe.
    openapi_extra={
        "parameters": [
            {
                "name": "queries",
                "in": "query",
                "required": False,
                "description": QUERIES_DESCRIPTION
                + f" At most {MAX_GET_QUERIES_LENGTH} characters: longer batches, use POST.",
                "content": {"application/json": {"schema": BATCH_SCHEMA}},
            },
            {
                "name": "extend",
                "in": "query",
                "required": False,
                "description": EXTEND_DESCRIPTION
                + f" At most {MAX_GET_QUERIES_LENGTH} characters: longer queries, use POST."
                " Not together with `queries`.",
                "content": {"application/json": {"schema": GET_EXTEND_SCHEMA}},
            },
        ]
    },
)
async def reconcile_get(request: Request) -> Any:
    queries = request.query_params.get("queries")
    extend_query = request.query_params.get("extend")
    if queries is None and extend_query is None:
        return manifest(request.app.state.settings)
    if queries is not None and extend_query is not None:
        raise service.invalid("send either `queries` or `extend`, not both", ["query", "extend"])
    name, value = ("queries", queries) if queries is not None else ("extend", extend_query)
    assert value is not None
    too_long = (
        f"{len(value)} characters; at most {MAX_GET_QUERIES_LENGTH} in a URL, "
        "send longer ones with POST"
    )
    if name == "extend":
        if len(value) > MAX_GET_QUERIES_LENGTH:
            raise extend.invalid(["query", "extend"], too_long)
        _small_enough_for_a_url(value)
        return await _extend(request, lambda: value, ["query", "extend"])
    if len(value) > MAX_GET_QUERIES_LENGTH:
        raise service.invalid(too_long, ["query", "queries"])
    return await _answer(request, lambda: value)


FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "queries": {
            "type": "string",
            "minLength": 1,
            "contentMediaType": "application/json",
            "contentSchema": BATCH_SCHEMA,
            "description": QUERIES_DESCRIPTION,
        },
        "extend": {
            "type": "string",
            "minLength": 1,
            "contentMediaType": "application/json",
            "contentSchema": EXTEND_SCHEMA,
            "description": EXTEND_DESCRIPTION,
        },
    },
    # One of the two: a reconciliation batch, or a data extension query.
    "oneOf": [{"required": ["queries"]}, {"required": ["extend"]}],
}


@router.post(
    "",
    response_model=dict[str, ReconResult] | ExtendResponse,
    response_model_exclude_none=True,
    responses=_responses(413, 422, 503),
    summary="Reconciliation service: candidates for a query batch, or data extension",
    description="The same as `GET` with `queries`: form-encoded (`queries=<JSON>`, as "
    "OpenRefine sends it) or a JSON body holding the batch itself. A form with `extend` "
    "instead is a data extension query (as OpenRefine sends it; see "
    "`POST /v1/reconcile/extend`).\n" + SCORING,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                # The batch as JSON inside a form field (JSON Schema 2020-12
                # contentMediaType/contentSchema, as OpenAPI 3.1 allows).
                "application/x-www-form-urlencoded": {"schema": FORM_SCHEMA},
                "application/json": {
                    "schema": {**BATCH_SCHEMA, "description": "The query batch itself."}
                },
            },
        }
    },
)
async def reconcile_post(request: Request) -> Any:
    body = await request.body()  # read on the event loop, within KB_MAX_BODY_BYTES
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        return await _answer(request, lambda: body.decode("utf-8", errors="replace"))
    fields = service.form_fields(body)
    if "extend" in fields:
        if "queries" in fields:
            raise service.invalid("send either `queries` or `extend`, not both", ["body"])
        return await _extend(request, lambda: fields["extend"], ["body", "extend"])
    return await _answer(request, lambda: service.queries_field(fields))


async def _answer(request: Request, raw: Callable[[], str]) -> Response:
    """Parse, check and answer a batch in a worker thread, never on the event loop
    (100 hard queries take seconds of database and CPU work), within
    ``KB_RECONCILE_TIME_BUDGET`` counted from now."""
    settings: Settings = request.app.state.settings

    def work(session: Session, deadline: Deadline) -> bytes:
        batch = service.parse_batch(raw(), settings.max_json_depth, settings.max_json_number_digits)
        answers = service.reconcile(session, batch, deadline.at, deadline.budget)
        return service.encode_answers(answers)

    return _json(await _in_worker(request, work))


async def _extend(request: Request, raw: Callable[[], str], loc: list[str | int]) -> Response:
    settings: Settings = request.app.state.settings

    def work(session: Session, deadline: Deadline) -> bytes:
        query = extend.parse_extend(
            raw(), loc, settings.max_json_depth, settings.max_json_number_digits
        )
        answer = extend.extend(session, query)
        deadline.check("The data extension query")
        return EXTENDED.dump_json(
            EXTENDED.validate_python(answer), by_alias=True, exclude_none=True
        )

    return _json(await _in_worker(request, work))


# --- Data extension ------------------------------------------------------------------


@router.post(
    "/extend",
    response_model=ExtendResponse,
    response_model_exclude_none=True,
    responses=_responses(413, 422, 503),
    summary="Data extension: property values for reconciled entities",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {**EXTEND_SCHEMA, "description": "The query itself."}
                },
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"extend": FORM_SCHEMA["properties"]["extend"]},
                        "required": ["extend"],
                    }
                },
            },
        }
    },
)
async def extend_data(request: Request) -> Any:
    """The values of some properties for a column of reconciled entities, in one request
    however many ids: `{"ids": [...], "properties": [{"id": "founding_date"}, ...]}`
    (a JSON body, or the form field `extend` as OpenRefine sends it to `POST
    /v1/reconcile`). `meta` lists the properties (with the type of their entity values);
    `rows` gives, for each id, each property's values: entities as `{"id", "name"}`,
    texts as `{"str"}`, numbers as `{"float"}`, dates known to the day as `{"date":
    "YYYY-MM-DDT00:00:00Z"}` and dates known to the month or year only as `{"str":
    "2011-12"}` (never padded with invented precision). Where sources disagree every
    sourced value is given, the best supported first, unless the property's settings say
    `{"disputed": "exclude"}`. An unknown id gets no values; an unknown property is a 422.
    Properties: `GET /v1/reconcile/extend/properties`; aliases by language are one
    property per language, `aliases@<BCP 47 tag>` (`aliases@ru-Cyrl`), beside `aliases`
    (every name). The answer takes the same dozen SQL queries for 1 id or 500."""
    body = await request.body()
    if "json" in request.headers.get("content-type", ""):
        return await _extend(request, lambda: body.decode("utf-8", errors="replace"), ["body"])
    fields = service.form_fields(body)
    if "extend" not in fields:
        raise extend.invalid(["body", "extend"], "the form has no `extend` field")
    return await _extend(request, lambda: fields["extend"], ["body", "extend"])


@router.get(
    "/extend/properties",
    response_model=PropertyProposal,
    response_model_exclude_none=True,
    responses=_responses(422),
    summary="Data extension: the properties an entity type has",
)
def propose_properties(
    type: Annotated[  # the spec's parameter name
        str,
        Query(
            pattern=TYPE_OR_NONE,
            description="An entity type id; empty (as OpenRefine sends for a column "
            "reconciled without a type) for the properties of every type.",
            examples=["organisation"],
        ),
    ] = "",
    limit: Annotated[int | None, Query(ge=1, le=500, description="At most this many.")] = None,
) -> dict[str, Any]:
    """Properties to offer for data extension of a column of entities of `type`, as
    the 0.2 spec's property proposals: `{"type", "properties": [{"id", "name",
    "description"}], "limit"}`."""
    return extend.propose(type or None, limit)


# --- Suggest ---------------------------------------------------------------------------

PrefixParam = Annotated[
    str,
    Query(
        max_length=200,
        pattern=NO_NUL,
        description="What the user has typed so far.",
        examples=["Socialist Mov"],
    ),
]
CursorParam = Annotated[
    int, Query(ge=0, le=10_000, description="How many suggestions to skip (for more).")
]
LimitParam = Annotated[int, Query(ge=1, le=50, description="At most this many suggestions.")]
TypeParam = Annotated[
    str,
    Query(
        pattern=TYPE_OR_NONE,
        description="Only this entity type (empty: any).",
        examples=["organisation"],
    ),
]


@router.get(
    "/suggest/entity",
    response_model=SuggestedEntities,
    response_model_exclude_none=True,
    responses=_responses(422, 503),
    summary="Suggest entities as a name is typed",
)
async def suggest_entities(
    request: Request,
    prefix: PrefixParam,
    cursor: CursorParam = 0,
    limit: LimitParam = 10,
    type: TypeParam = "",  # the spec's parameter name
) -> Any:
    """Entities whose names match what was typed so far, best first: every word typed
    is the start of a word of one of the entity's names, in any script and
    romanisation ("Ainur Kur", "Соц", "Sot", "Zhana"), then looser matches, as
    `GET /v1/search` ranks them; an entity id typed in full comes first. Each has
    `id`, `name`, `description` and its type in `notable`."""
    page = suggest.Page(cursor, limit)
    types = [type] if type else []

    def work(session: Session, deadline: Deadline) -> dict[str, Any]:
        return suggest.suggest_entities(session, prefix, types, page, deadline)

    return await _in_worker(request, work)


@router.get(
    "/suggest/type",
    response_model=SuggestedTypes,
    responses=_responses(422),
    summary="Suggest entity types as a name is typed",
)
def suggest_types(
    prefix: PrefixParam, cursor: CursorParam = 0, limit: LimitParam = 10
) -> dict[str, Any]:
    """The entity types (organisation, person, event, place, concept) whose id or name
    starts with what was typed (case- and diacritic-insensitive), with a description."""
    return suggest.suggest_types(prefix, suggest.Page(cursor, limit))


@router.get(
    "/suggest/property",
    response_model=SuggestedProperties,
    responses=_responses(422),
    summary="Suggest properties as a name is typed",
)
def suggest_properties(
    prefix: PrefixParam,
    cursor: CursorParam = 0,
    limit: LimitParam = 10,
    type: TypeParam = "",  # the spec's parameter name
) -> dict[str, Any]:
    """Properties (for data extension and for `properties` in reconciliation queries)
    whose id or name, or a word of it, starts with what was typed: `founding date`,
    `chairperson`, `aliases@ru-Cyrl`, `ideology`, ... Only those of `type`, if given."""
    return suggest.suggest_properties(prefix, type or None, suggest.Page(cursor, limit))


# --- Preview ---------------------------------------------------------------------------


@router.get(
    "/preview/{entity_id}",
    response_class=HTMLResponse,
    responses={
        200: {
            "description": "A self-contained HTML card (no script, nothing loaded from "
            "elsewhere), with its own Content-Security-Policy: any page may frame it.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **_responses(404, 422, 503),
    },
    summary="Preview an entity as a small HTML card",
)
async def preview_entity(
    request: Request,
    entity_id: Annotated[
        str, Path(max_length=200, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])
    ],
) -> HTMLResponse:
    """The preview of the 0.2 spec, for a client's `<iframe>` (the manifest gives its
    size): the entity's name, type, description and other names, and a few key facts
    (founding date, headquarters, chair, ideology; birth date and roles; dates, places
    and figures; country) each with its citations (`[ref-2]`, the quote in its title),
    and the references cited. Everything in it is escaped data."""
    base = request.app.state.settings.public_base_url

    def work(session: Session, deadline: Deadline) -> str:
        page = preview.preview(session, entity_id, base)
        deadline.check("The preview")
        return page

    page = await _in_worker(request, work)
    return HTMLResponse(page, headers={"Content-Security-Policy": preview.POLICY})
