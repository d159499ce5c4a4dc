"""One error vocabulary: AppError subclasses carry their status, and every error the
API returns is RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.http_methods import allowed_methods

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://smk-kb.example/problems/"


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

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

    def __init__(self, detail: str, errors: list[ProblemError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


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
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        request_id=request_id,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _loc(parts: Any) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in parts]


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.errors)


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
    request_id = uuid.uuid4().hex
    logger.exception("unhandled error, request_id=%s", request_id, exc_info=exc)
    return problem_response(
        request,
        500,
        "internal-error",
        "Internal Server Error",
        f"An unexpected error occurred. Quote request id {request_id} when reporting it.",
        request_id=request_id,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
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
        404: "No entity with that id (in the path, or named by a filter)",
        422: "Invalid parameter",
        500: "Unexpected error",
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
