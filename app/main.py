"""create_app(): the application, its error handlers, middleware and routers."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

import anyio
from fastapi import FastAPI
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi_offline import FastAPIOffline

from app.api import TAGS, mount_routers
from app.core.allocator import give_back_free_memory, map_large_blocks_apart
from app.core.compression import LeanGZipMiddleware
from app.core.config import Settings, get_settings
from app.core.cors import LeanCORSMiddleware
from app.core.cpu_lane import close_cpu_lane
from app.core.db import server_engine, session_factory
from app.core.errors import UnexpectedErrorMiddleware, install_error_handlers
from app.core.http_cache import ConditionalGetMiddleware, HeadAsGetMiddleware
from app.core.http_methods import OptionsMiddleware
from app.core.input_guard import RejectNulMiddleware
from app.core.limits import RequestLimitsMiddleware
from app.core.negotiation import NegotiationMiddleware
from app.core.rate_limit import WriteRateLimitMiddleware
from app.core.response_cache import LRUCache, ResponseCacheMiddleware, RevisionClock
from app.core.security_headers import SecurityHeadersMiddleware
from app.core.streaming import DirectSendMiddleware
from app.docs_pages import install_redoc
from app.entities.list_path import ListMiddleware
from app.entities.stored_path import BodyReader, StoredBodyMiddleware
from app.exports.representations import document_representations, entity_renderer
from app.openapi_examples import install_examples
from app.provenance.changes import current_revision
from app.reconcile.fast_path import ReconcileMiddleware
from app.search.fast_path import SearchMiddleware
from app.search.vocabulary import warm_vocabulary
from app.timeline.fast_path import TimelineMiddleware

# JSON larger than this is sent gzip-compressed to clients that accept it.
GZIP_MINIMUM_BYTES = 1400
# zlib's own default level, not Starlette's 9: level 9 took 635 µs for the richest
# entity (29 KB) and 3.1 ms for a list page of 50 (122 KB), level 6 441 µs and 1.9 ms,
# for bodies 0.4 % and 1.3 % larger; every uncached answer to a client sending
# Accept-Encoding: gzip pays it.
GZIP_LEVEL = 6

DESCRIPTION = """
A structured knowledge base about the **Socialist Movement of Kazakhstan** and the
organisations, people, events and places around it, built from one encyclopedia
article (CC BY-SA).

* Every fact carries `sources`: the numbered reference the article attaches to it
  (`ref-1` … `ref-9`, or `article`) and the verbatim words of the article.
* Where sources disagree, both values are kept under `disputed`.
* Lists return `{items, total, limit, next}`; follow `next` for the following page.
* Errors are RFC 9457 `application/problem+json`.
"""


# Young objects between collections, and collections of each generation between passes
# of the next (CPython's defaults: 700, 10, 10).
GC_THRESHOLDS = (10_000, 50, 100)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = server_engine(settings)  # timeouts; never creates a SQLite file

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Search's in-memory tables are read before the first request needs them
        # (2-3 s at 100,000 entities), their large arrays each in a mapping of its own.
        map_large_blocks_apart()
        await anyio.to_thread.run_sync(warm_vocabulary, engine)
        # Everything loaded so far lives as long as the process: keep it out of the
        # garbage collector's full passes, which otherwise stall requests (p99).
        gc.collect()
        gc.freeze()
        give_back_free_memory()  # what loading freed, and the collection just now
        # And run those passes far less often: with little left unfrozen, CPython's
        # rule (a full pass once a quarter as many objects have survived as are
        # tracked) fired every second or so, each pass stalling a request by 10-30 ms.
        gc.set_threshold(*GC_THRESHOLDS)
        clock: RevisionClock | None = getattr(app.state, "revision_clock", None)
        async with anyio.create_task_group() as tasks:
            if clock is not None and settings.revision_check_interval > 0:
                tasks.start_soon(clock.run)
            yield
            tasks.cancel_scope.cancel()
        close_cpu_lane(app.state)
        app.state.fast_reader.close()
        engine.dispose()

    app = FastAPIOffline(
        title="smk-kb",
        summary="Knowledge base of the Socialist Movement of Kazakhstan, every fact sourced.",
        description=DESCRIPTION,
        version=version("smk-kb"),
        openapi_tags=TAGS,
        license_info={
            "name": "Data: CC BY-SA 4.0",
            "url": "https://creativecommons.org/licenses/by-sa/4.0/",
        },
        lifespan=lifespan,
        # Off unless asked for: looking up the global providers costs 8 µs a request,
        # a tenth of an entity detail served from its stored body.
        telemetry=None
        if settings.opentelemetry
        else {"tracing": False, "metrics": False, "logs": False},
        # No badge fetched from validator.swagger.io: the docs make no outside request.
        swagger_ui_parameters={"validatorUrl": None},
        redoc_url=None,  # app.docs_pages serves /redoc with a script that asks no other host
        # operationId = the route function's name (get_organisation, list_events, search):
        # what a generated client names its methods.
        generate_unique_id_function=lambda route: route.name,
    )
    install_redoc(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.fast_reader = BodyReader(engine)
    install_error_handlers(app)
    mount_routers(app)
    install_examples(app, app.state.session_factory)
    document_representations(app)
    # Entities as JSON-LD or Turtle (Accept, ?format=): inside the ETag layer, so each
    # representation has its own ETag and 304.
    # Innermost: a plain entity detail is answered from its stored body, before routing.
    app.add_middleware(StoredBodyMiddleware)
    app.add_middleware(SearchMiddleware)
    app.add_middleware(ReconcileMiddleware)
    app.add_middleware(ListMiddleware)
    app.add_middleware(TimelineMiddleware)
    app.add_middleware(NegotiationMiddleware, renderer=entity_renderer(settings))
    app.add_middleware(ConditionalGetMiddleware, max_age=settings.cache_max_age)
    # Inside the response cache, so a compressed answer is compressed once and kept.
    app.add_middleware(
        LeanGZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL
    )
    # Bulk exports stream past gzip and the ETag layer (app/core/streaming.py).
    app.add_middleware(DirectSendMiddleware)
    if settings.cache_enabled:

        def read_revision() -> int:
            with engine.connect() as conn:
                return current_revision(conn)

        app.state.response_cache = LRUCache(settings.cache_max_entries, settings.cache_max_bytes)
        app.state.revision_clock = RevisionClock(read_revision, settings.revision_check_interval)
        app.add_middleware(
            ResponseCacheMiddleware,
            cache=app.state.response_cache,
            clock=app.state.revision_clock,
        )
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(OptionsMiddleware)
    # Writes per API key, before the cache and every route (reads pass untouched).
    app.add_middleware(
        WriteRateLimitMiddleware,
        limit=settings.write_rate_limit,
        storage_uri=settings.rate_limit_storage,
    )
    # Before any work: sizes of the URL, headers and body, and the body's arrival time.
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        max_header_bytes=settings.max_header_bytes,
        max_header_count=settings.max_header_count,
        body_timeout=settings.body_timeout,
    )
    if "*" not in settings.allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    # Inside CORS and the security headers, so that a 500 carries them too.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(
        LeanCORSMiddleware,
        allow_origins=settings.cors_origins,
        # Every method some route takes: reads, reconciliation, and the curation API's writes.
        allow_methods=["GET", "HEAD", "OPTIONS", "POST", "PATCH", "DELETE"],
        # What a browser client sends beyond the always-allowed Accept, Accept-Language,
        # Content-Language and Content-Type: If-None-Match for conditional GETs; the key
        # and the write preconditions for curation. No cookies: keys are never ambient.
        allow_headers=[
            "Content-Type",
            "If-None-Match",
            "If-Match",
            "Authorization",
            "Idempotency-Key",
            # A fetch-based client resuming /v1/changes/stream (EventSource sends it
            # without a preflight).
            "Last-Event-ID",
        ],
        expose_headers=[
            "ETag",
            "KB-Seq",
            "Location",
            "Retry-After",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "RateLimit-Policy",
            "RateLimit",
        ],
    )
    app.add_middleware(SecurityHeadersMiddleware)
    logging.getLogger("app").setLevel(settings.log_level.upper())
    return app


app = create_app()
