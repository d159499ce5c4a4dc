from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response

from app.core.errors import error_responses
from app.core.http_cache import etag_matches
from app.core.streaming import UnbufferedStreamingResponse
from app.exports.rdf import Iris
from app.exports.service import FORMATS, ExportFormatName, export_chunks, file_name
from app.exports.snapshot import open_snapshot
from app.exports.vocabulary import context_document

router = APIRouter()

SEQ_HEADER = "KB-Seq"

_EXPORT_CONTENT: dict[str, Any] = {
    "application/x-ndjson": {
        "schema": {"type": "string"},
        "example": '{"seq":1213,"updated_at":"2026-01-01T12:00:20Z"}\n'
        '{"id":"ainur-kurmanov","type":"person","name":"Ainur Kurmanov",...}\n',
    },
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
    "application/json": {"schema": {"type": "object"}},
    "application/ld+json": {"schema": {"type": "object"}},
    "text/turtle": {"schema": {"type": "string"}},
}


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The export, streamed. "
            + " ".join(f"`{f.name}` ({f.media_type}): {f.description}" for f in FORMATS.values()),
            "content": _EXPORT_CONTENT,
            "headers": {
                SEQ_HEADER: {
                    "description": "The change `seq` the export reflects: "
                    "`GET /v1/changes?since=` it has every later change.",
                    "schema": {"type": "integer"},
                },
                "ETag": {
                    "description": "Changes with every write to the knowledge base.",
                    "schema": {"type": "string"},
                },
                "Content-Disposition": {
                    "description": 'attachment; filename="smk-kb-seq-N.EXT"',
                    "schema": {"type": "string"},
                },
            },
        },
        304: {"description": "`If-None-Match` names the current export: nothing was written."},
        **error_responses(422, 503),
    },
    summary="Export the whole knowledge base",
)
def export(
    request: Request,
    export_format: Annotated[
        ExportFormatName,
        Query(
            alias="format",
            description="`ndjson` (one entity body per line), `csv` (a zipped Frictionless "
            "Data Package), `popolo`, `jsonld` or `turtle`.",
        ),
    ] = "ndjson",
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """Every entity, fact, source and citation, streamed from one consistent snapshot of
    the database, so memory stays flat whatever the size of the base. The `KB-Seq` header
    (and the file itself) states the change `seq` the export reflects: load the export,
    then follow `GET /v1/changes?since=<seq>` to stay exact. `kb export` writes the same
    files."""
    settings = request.app.state.settings
    iris = Iris(settings.public_base_url.rstrip("/"))
    snapshot = open_snapshot(request.app.state.session_factory)
    headers = {
        SEQ_HEADER: str(snapshot.seq),
        # The same revision and format give the same bytes.
        "ETag": f'"export.{export_format}.r{snapshot.revision}"',
        "Cache-Control": "no-cache",
    }
    if if_none_match and etag_matches(if_none_match, headers["ETag"]):
        snapshot.close()
        return Response(status_code=304, headers=headers)
    name = file_name(export_format, snapshot.seq)
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return UnbufferedStreamingResponse(
        export_chunks(snapshot, export_format, iris),
        media_type=FORMATS[export_format].media_type,
        headers=headers,
        on_close=snapshot.close,
    )


@cache
def _context_bytes() -> bytes:
    return orjson.dumps(context_document())


@router.get(
    "/context.jsonld",
    response_class=Response,
    responses={
        200: {
            "description": "The JSON-LD context, and in `@graph` each term with its "
            "`rdfs:label` and `rdfs:comment`.",
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        },
    },
    summary="The JSON-LD context and vocabulary",
)
def get_context() -> Response:
    """The `@context` of the JSON-LD representations and exports: schema.org terms where
    schema.org has them, and this project's own `kb:` terms (statements, disputed values,
    sources and their quotes, ...). Its `@graph` describes every term; a JSON-LD processor
    that loads it as a remote context reads only its `@context`."""
    return Response(_context_bytes(), media_type="application/ld+json")
