"""One error vocabulary: AppError subclasses carry their status, and every error the
API returns is RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.http_methods import allowed_methods

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://smk-kb.example/problems/"


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details. Some problems add members of their own (RFC 9457
    extension members): ``current_etag`` on a 412, ``referrers`` on a 409."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemError] | None = None
    request_id: str | None = None


class AppError(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal Server Error"

    def __init__(
        self,
        detail: str,
        errors: list[ProblemError] | None = None,
        *,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extensions = extensions or {}


class NotFoundError(AppError):
    status = 404
    slug = "not-found"
    title = "Not Found"


class UnknownReferenceError(NotFoundError):
    """A parameter names an entity that does not exist (a filter such as
    ``participant=``): 404, with the parameter in ``errors``."""

    def __init__(self, parameter: str, entity_id: str) -> None:
        message = f"no entity with id {entity_id!r}"
        super().__init__(
            f"{parameter}: {message}", [ProblemError(loc=["query", parameter], msg=message)]
        )


class InvalidBodyError(AppError):
    """A request body breaks a data rule (the same rules as ``kb seed``): 422, one entry
    in ``errors`` per field."""

    status = 422
    slug = "invalid-body"
    title = "Invalid Body"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        errors = [
            ProblemError(loc=["body", *[p for p in loc.split(".") if p]], msg=msg)
            for loc, msg in problems
        ]
        detail = "; ".join(f"{loc or 'body'}: {msg}" for loc, msg in problems)
        super().__init__(detail, errors)


class UnauthorizedError(AppError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="smk-kb"'})


class ForbiddenError(AppError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class ConflictError(AppError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailedError(AppError):
    """``If-Match`` names a version that is no longer current: 412, with the current
    ETag (header and ``current_etag``) so the client can re-read and retry."""

    status = 412
    slug = "precondition-failed"
    title = "Precondition Failed"

    def __init__(self, detail: str, current_etag: str) -> None:
        super().__init__(
            detail, headers={"ETag": current_etag}, extensions={"current_etag": current_etag}
        )


class PreconditionRequiredError(AppError):
    status = 428
    slug = "precondition-required"
    title = "Precondition Required"


class InvalidParameterError(AppError):
    status = 422
    slug = "invalid-parameter"
    title = "Invalid Parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(
            f"{parameter}: {message}", [ProblemError(loc=["query", parameter], msg=message)]
        )


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        request_id=request_id,
        **(extensions or {}),
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _loc(parts: Any) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in parts]


def app_error_response(request: Request, exc: AppError) -> JSONResponse:
    """The problem an AppError is answered with: by the app's handler, and by a fast
    path in front of FastAPI that meets the error itself."""
    return problem_response(
        request,
        exc.status,
        exc.slug,
        exc.title,
        exc.detail,
        exc.errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [ProblemError(loc=_loc(e["loc"]), msg=e["msg"]) for e in exc.errors()]
    detail = "; ".join(
        f"{'.'.join(str(p) for p in e.loc[1:]) or e.loc[0]}: {e.msg}" for e in errors
    )
    return problem_response(
        request, 422, "invalid-parameter", "Invalid Parameter", detail, errors=errors
    )


_HTTP_TITLES = {404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "HTTP Error")
    headers = getattr(exc, "headers", None)
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        methods = allowed_methods(request.app, request.url.path)
        detail = f"{request.method} is not allowed on {request.url.path}; use {', '.join(methods)}"
        headers = {**(headers or {}), "Allow": ", ".join(methods)}
    else:
        detail = str(exc.detail)
    slug = title.lower().replace(" ", "-")
    return problem_response(request, exc.status_code, slug, title, detail, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The last resort, for an error in a layer outside ``UnexpectedErrorMiddleware``
    (Starlette re-raises it to the server after this answer)."""
    request_id = uuid.uuid4().hex
    logger.error("unhandled error, request_id=%s", request_id, exc_info=exc)
    return _internal_error(request, request_id)


def _internal_error(request: Request, request_id: str) -> JSONResponse:
    return problem_response(
        request,
        500,
        "internal-error",
        "Internal Server Error",
        f"An unexpected error occurred. Quote request id {request_id} when reporting it.",
        request_id=request_id,
    )


class UnexpectedErrorMiddleware:
    """The 500 answer, as a pure ASGI layer inside CORS and the security headers.

    Starlette sends an error no handler took to its outermost layer, outside every
    middleware: the 500 lacked the CORS headers, the error was re-raised to uvicorn,
    which logged a second traceback (about 16 KB for the two) and dropped the
    connection. Here the error is logged once, with its request id, method and path,
    and answered as a problem; the connection is kept. An error after the response
    has started cannot become a 500: it is logged, and the server closes the
    connection (the client sees a cut-short answer, not a complete wrong one).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request_id = uuid.uuid4().hex
            logger.error(
                "unhandled error, request_id=%s, %s %s",
                request_id,
                scope.get("method"),
                scope.get("path"),
                exc_info=exc,
            )
            if not started:
                await _internal_error(Request(scope), request_id)(scope, receive, send)


DEFAULT_RETRY_AFTER = 5


def database_unavailable(exc: BaseException) -> bool:
    """True for an error that means the database cannot answer now (down, unreachable,
    too slow, its file gone, no pooled connection free), not that the request or the
    code is wrong: such an error is a 503 with Retry-After, never a 500."""
    if isinstance(exc, SQLAlchemyTimeoutError | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_unavailable_response(
    request: Request, exc: BaseException, retry_after: int | None = None
) -> JSONResponse:
    """The 503 problem for an error that ``database_unavailable`` accepts: one log line,
    no traceback (an outage would otherwise log one per request)."""
    if retry_after is None:
        settings = getattr(request.app.state, "settings", None)
        retry_after = getattr(settings, "retry_after", DEFAULT_RETRY_AFTER)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    logger.warning(
        "database unavailable, %s %s: %s: %s",
        request.method,
        request.url.path,
        type(getattr(exc, "orig", None) or exc).__name__,
        reason,
    )
    return problem_response(
        request,
        503,
        "database-unavailable",
        "Service Unavailable",
        f"The database is unavailable; retry in {retry_after} s. See /ready for why.",
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


# SQLSTATE read_only_sql_transaction: a PostgreSQL hot standby, or a database set
# default_transaction_read_only, refused a write.
READ_ONLY_SQLSTATE = "25006"


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == READ_ONLY_SQLSTATE:
        logger.warning(
            "write refused by a read-only database: %s %s", request.method, request.url.path
        )
        return problem_response(
            request,
            503,
            "read-only-database",
            "Service Unavailable",
            "This server's database takes no writes (a read-only replica): send writes "
            "to a server on the primary database.",
            headers={"Cache-Control": "no-store"},
        )
    if not database_unavailable(exc):
        raise exc  # a real bug: the 500 path logs it with a request id
    return database_unavailable_response(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # A database outage, hang or missing file: 503 with Retry-After (see database_unavailable).
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(SQLAlchemyTimeoutError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


# Real answers of this API, shown in the docs next to each error status.
_ERROR_EXAMPLES: dict[int, dict[str, Any]] = {
    404: {
        "type": f"{PROBLEM_BASE}not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "no entity with id 'nobody'",
        "instance": "/v1/people/nobody",
    },
    422: {
        "type": f"{PROBLEM_BASE}invalid-parameter",
        "title": "Invalid Parameter",
        "status": 422,
        "detail": "limit: Input should be less than or equal to 200",
        "instance": "/v1/people",
        "errors": [{"loc": ["query", "limit"], "msg": "Input should be less than or equal to 200"}],
    },
    500: {
        "type": f"{PROBLEM_BASE}internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred. Quote request id "
        "3f1c0a9e2b7d4c6e8a1b2c3d4e5f6a7b when reporting it.",
        "request_id": "3f1c0a9e2b7d4c6e8a1b2c3d4e5f6a7b",
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problems a route can return."""
    descriptions = {
        400: "The body is not JSON (or not UTF-8)",
        413: "The request body is larger than KB_MAX_BODY_BYTES",
        414: "The URL (path and query) is longer than KB_MAX_URL_BYTES",
        401: "No API key, or an unknown or revoked one (WWW-Authenticate: Bearer)",
        403: "The API key's scope does not allow this operation",
        409: "Conflicts with what is stored: the same fact exists already, or other "
        "entities refer to the one being deleted (`referrers`)",
        412: "If-Match is not the current ETag: someone wrote in between; the problem's "
        "`current_etag` and the ETag header give the current one",
        428: "If-Match is required to change or delete",
        429: "Too many writes with this key: retry after Retry-After seconds",
        404: "No entity with that id (in the path, or named by a filter)",
        422: "Invalid parameter",
        500: "Unexpected error",
        503: "The database is unavailable (down, too slow, its file missing): retry after "
        "the Retry-After header's seconds",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Problem"),
            "content": {
                PROBLEM_JSON: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    **({"example": _ERROR_EXAMPLES[status]} if status in _ERROR_EXAMPLES else {}),
                }
            },
        }
        for status in statuses
    }
