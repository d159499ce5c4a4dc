"""Real examples in the OpenAPI schema, drawn from the knowledge base itself.

The schema is built once, on first request of /openapi.json; each documented
200 response gets the live answer for a representative id, trimmed so that the
docs stay readable (long lists cut to their first three items).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.aliases.service import list_aliases
from app.citations.service import get_citation, list_citations
from app.core.errors import AppError, error_responses
from app.core.pagination import PageParams
from app.entities.service import neighbourhood
from app.provenance.listing import entity_or_404
from app.reconcile.service import parse_batch, reconcile
from app.search.service import search
from app.search.vocabulary import vocabulary
from app.timeline.service import timeline_page

DETAIL_EXAMPLES = {
    "/v1/organisations/{organisation_id}": "socialist-movement-of-kazakhstan",
    "/v1/people/{person_id}": "ainur-kurmanov",
    "/v1/events/{event_id}": "2022-kazakh-unrest",
    "/v1/places/{place_id}": "almaty",
    "/v1/entities/{entity_id}": "takhir-mukhamedzyanov",
}
LIST_EXAMPLES = {
    "/v1/organisations": "/v1/organisations/{organisation_id}",
    "/v1/people": "/v1/people/{person_id}",
    "/v1/events": "/v1/events/{event_id}",
    "/v1/places": "/v1/places/{place_id}",
}
MAX_ITEMS = 3


def trim(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return trim(value.model_dump(mode="json"))
    if isinstance(value, list):
        return [trim(v) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        return {k: trim(v) for k, v in value.items()}
    return value


def _page(items: list[Any], total: int, path: str) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": 1, "next": f"{path}?limit=1&cursor=o1"}


def collect_examples(session: Session) -> dict[str, Any]:
    examples: dict[str, Any] = {}
    for path, entity_id in DETAIL_EXAMPLES.items():
        examples[path] = trim(entity_or_404(session, entity_id))
    for path, detail in LIST_EXAMPLES.items():
        examples[path] = _page([examples[detail]], 1, path)
    first = PageParams(limit=1, offset=0)
    citations, total = list_citations(session=session, sort="number", page=first)
    examples["/v1/citations"] = _page(citations, total, "/v1/citations")
    examples["/v1/citations/{citation_id}"] = trim(
        get_citation(session=session, citation_id="ref-3")
    )
    aliases, total = list_aliases(session=session, page=first, q="сдк", lang=None, kind=None)
    examples["/v1/aliases"] = _page(aliases, total, "/v1/aliases")
    hits = search(vocabulary(session), "Sotsialisticheskoe Dvizhenie Kazakhstana")[:1]
    examples["/v1/search"] = _page(
        [
            {
                "id": h.entity_id,
                "type": h.entity_type,
                "name": "Socialist Movement of Kazakhstan",
                "score": h.score,
                "matched": {"name": h.name, "lang": h.lang, "kind": h.kind},
            }
            for h in hits
        ],
        len(hits),
        "/v1/search",
    )
    events, total = timeline_page(
        session=session,
        page=PageParams(limit=2, offset=0),
        entity="socialist-movement-of-kazakhstan",
        date_from=None,
        date_to=None,
    )
    examples["/v1/timeline"] = _page(events, total, "/v1/timeline")
    examples["/v1/entities/{entity_id}/graph"] = trim(
        neighbourhood(session, "takhir-mukhamedzyanov", depth=1)
    )
    examples["/v1/reconcile"] = reconcile(
        session, parse_batch('{"q0": {"query": "СДК", "type": "organisation", "limit": 1}}')
    )
    return examples


_HEADER = {"schema": {"type": "string"}}
CONDITIONAL_GET_HEADERS = {
    "ETag": {
        **_HEADER,
        "description": 'Validator of this answer (an entity\'s is `"<id>.v<version>"`): send it '
        "back as If-None-Match for a 304, or as If-Match to change the entity.",
    },
    "Cache-Control": {**_HEADER, "description": "`public, max-age=60` (KB_CACHE_MAX_AGE)."},
}
LINK_HEADER = {
    "Link": {**_HEADER, "description": 'RFC 8288: `<next page URL>; rel="next"` unless last.'}
}
NOT_MODIFIED = {
    "description": "Not Modified: If-None-Match named the current ETag. No body.",
    "headers": {"ETag": CONDITIONAL_GET_HEADERS["ETag"]},
}


def document_conditional_gets(schema: dict[str, Any]) -> None:
    """Every successful GET has an ETag and Cache-Control and answers If-None-Match with
    304 (app/core/http_cache.py); list pages also send Link. Said once, here, for all
    the API's resources (not the probes, whose answers are about now)."""
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "200" not in get["responses"] or not path.startswith("/v1/"):
            continue
        ok = get["responses"]["200"]
        headers = ok.setdefault("headers", {})
        headers.update(CONDITIONAL_GET_HEADERS)
        ref = str(ok.get("content", {}).get("application/json", {}).get("schema", {}))
        if "Page_" in ref:
            headers.update(LINK_HEADER)
        get["responses"].setdefault("304", NOT_MODIFIED)


def document_every_error(schema: dict[str, Any]) -> None:
    """Problems any API operation can answer, whatever the route: 500 (a bug, with a
    request id), 503 (the database is unavailable), 414 (a URL longer than
    KB_MAX_URL_BYTES) and 413 on operations with a body (app/core/limits.py). Declared
    once here rather than on each route."""
    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = [414, 500, 503] + ([413] if "requestBody" in operation else [])
            for status, response in error_responses(*statuses).items():
                response = {k: v for k, v in response.items() if k != "model"}
                operation["responses"].setdefault(str(status), response)


def install_examples(app: FastAPI, factory: sessionmaker[Session]) -> None:
    original = app.openapi

    def openapi_with_examples() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        document_conditional_gets(schema)
        document_every_error(schema)
        try:
            with factory() as session:
                examples = collect_examples(session)
        except (AppError, LookupError, SQLAlchemyError):
            # An empty or partial database still gets a schema, without examples.
            return schema
        for path, example in examples.items():
            content = schema["paths"][path]["get"]["responses"]["200"]["content"]
            content["application/json"]["example"] = example
        return schema

    app.openapi = openapi_with_examples  # type: ignore[method-assign]
